"""One module per area, each exposing `router`. `khronika.web.app` includes them in this order."""

ROUTERS = (
    "auth",
    "users",
    "documents",
    "review",
    "incidents",
    "mapview",
    "timeline",
    "board",
    "gazetteer",
    "narratives",
    "exports",
    "sms",
    "pages",
)
