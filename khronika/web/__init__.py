"""The REST API and the browser workbench (FastAPI). `khronika serve` starts it."""
