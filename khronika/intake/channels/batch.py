"""CSV and JSONL batches: one document per row, columns named by a mapping.

A mapping says which column holds each field: a YAML file ({text: body, published: date, ...}) or a
string "text=body,published=date,source=author". `text` is required; the other fields are published,
source, sender (pseudonymised), message_id, title, lang, channel. Without a mapping, columns named like
the fields are used. A row that cannot be read is reported with its number and skipped; the batch
goes on.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import yaml

from ...errors import InputError
from ...ingest import IngestJob
from ..files import MAX_BYTES
from . import Defaults, failed_job, text_job
from .pseudonym import pseudonym

FIELDS = ("text", "published", "source", "sender", "message_id", "title", "lang", "channel")
CHANNEL = "batch"


def parse_mapping(spec: str | None) -> dict[str, str]:
    """Field -> column, from a YAML file path or "field=column,..."; unknown fields are an error."""
    if not spec:
        return {f: f for f in FIELDS}
    path = Path(spec)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise InputError(f"cannot read the mapping: {e}", path=spec) from e
        if not isinstance(data, dict):
            raise InputError("a mapping file is a YAML object {field: column}", path=spec)
        mapping = {str(k): str(v) for k, v in data.items()}
    else:
        mapping = {}
        for part in spec.split(","):
            field, sep, column = part.partition("=")
            if not sep or not field.strip() or not column.strip():
                raise InputError(f"mapping part {part!r} is not field=column")
            mapping[field.strip()] = column.strip()
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise InputError(f"unknown field(s) in the mapping: {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    mapping.setdefault("text", "text")
    return mapping


def _row_job(
    path: str, n: int, row: dict[str, Any], mapping: dict[str, str], defaults: Defaults
) -> IngestJob:
    name = f"{path}:row {n}"
    col = mapping["text"]
    if col not in row:
        return failed_job(name, f"row {n} has no text column {col!r}")
    text = str(row[col] or "").strip()
    if not text:
        return failed_job(name, f"row {n}: the text column {col!r} is empty")

    def get(field: str) -> str | None:
        value = row.get(mapping[field]) if field in mapping else None
        return None if value is None or str(value).strip() == "" else str(value).strip()

    return text_job(
        name, text, channel=get("channel") or CHANNEL, defaults=defaults, published=get("published"),
        sender=pseudonym(get("sender")), message_id=get("message_id") or str(n),
        source=get("source"), title=get("title"), lang=get("lang"),
    )


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=path) from e
    if len(data) > MAX_BYTES * 20:
        raise InputError("batch file too large; split it", path=path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 (byte {e.start})", path=path) from e


def read_csv(path: str, defaults: Defaults) -> list[IngestJob]:
    mapping = parse_mapping(defaults.mapping)
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    header = reader.fieldnames or []
    if mapping["text"] not in header:
        raise InputError(
            f"row 1 (the header) has no text column {mapping['text']!r}; columns: {', '.join(header)}",
            path=path,
        )
    jobs: list[IngestJob] = []
    try:
        for row in reader:
            n = reader.line_num  # the file's line, so a row can be found in an editor
            if None in row:
                jobs.append(failed_job(f"{path}:row {n}", f"row {n} has more fields than the header"))
                continue
            jobs.append(_row_job(path, n, row, mapping, defaults))
    except csv.Error as e:
        jobs.append(failed_job(f"{path}:row {reader.line_num}", f"unreadable CSV: {e}"))
    return jobs


def read_jsonl(path: str, defaults: Defaults) -> list[IngestJob]:
    mapping = parse_mapping(defaults.mapping)
    jobs: list[IngestJob] = []
    for n, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            jobs.append(failed_job(f"{path}:row {n}", f"row {n} is not JSON: {e.msg}"))
            continue
        if not isinstance(row, dict):
            jobs.append(failed_job(f"{path}:row {n}", f"row {n} is not a JSON object"))
            continue
        jobs.append(_row_job(path, n, row, mapping, defaults))
    return jobs
