"""Channel timestamps to the `published` form: ISO local time in the batch's zone, without offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def local_iso(moment: datetime, tz: str) -> str:
    """An aware moment as naive local time in `tz` (published times are local to the document's tz)."""
    if moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None).isoformat(timespec="seconds")


def from_epoch(value: str | int | float, tz: str) -> str:
    seconds = float(value)
    if seconds > 1e11:  # milliseconds, as SMS gateways send them
        seconds /= 1000
    return local_iso(datetime.fromtimestamp(seconds, UTC), tz)
