"""Static files: our own css/js and the Leaflet wheels (xstatic), all served locally (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"


def mount_static(app: FastAPI) -> None:
    """Mount /static and the vendor assets. The vendor mounts come first: Starlette matches in order."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    app.mount("/static/vendor/leaflet", StaticFiles(directory=leaflet.BASE_DIR), name="vendor-leaflet")
    cluster = StaticFiles(directory=markercluster.BASE_DIR)
    app.mount("/static/vendor/markercluster", cluster, name="vendor-markercluster")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
