"""Property tests over the parsers of issue 9's exports: policy YAML, backup JSONL lines, CLI arguments and
the export API. Malformed input gives a clear KhronikaError (or a 4xx) and leaves the store unchanged.

The example budget is small by default (CI); KHRONIKA_HYPOTHESIS_EXAMPLES=500 runs a larger one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import yaml
from export_fixtures import fill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khronika.errors import ConfigError, InputError, KhronikaError
from khronika.export import FORMATS
from khronika.export.backup import backup_tables, load
from khronika.redact import PolicySpec, parse_policy, policy_names
from khronika.store import Store

EXAMPLES = int(os.environ.get("KHRONIKA_HYPOTHESIS_EXAMPLES", "25"))
BUDGET = settings(max_examples=EXAMPLES, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

PUBLIC = Path(__file__).parents[1] / "khronika/redact/policies/public.yaml"
POLICY = yaml.safe_load(PUBLIC.read_text("utf-8"))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=8,
)


def _counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        counts = {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
                  for t in backup_tables()}
    return counts | {"audit": len(store.audit_entries())}


# -- policy files -------------------------------------------------------------------------------------


@BUDGET
@given(st.text(max_size=300))
def test_any_text_is_a_policy_or_a_config_error(text: str) -> None:
    try:
        spec = parse_policy(text, "fuzz.yaml")
    except ConfigError as e:
        assert str(e).startswith("fuzz.yaml: ")
    else:
        assert isinstance(spec, PolicySpec)


@BUDGET
@given(st.sampled_from(sorted(POLICY)), values)
def test_a_policy_with_any_field_replaced_loads_or_names_the_problem(field: str, value: Any) -> None:
    data = {**POLICY, field: value}
    try:
        spec = parse_policy(yaml.safe_dump(data), "fuzz.yaml")
    except ConfigError:
        return
    # What loads is a complete, checked policy.
    assert spec.coord_mode in ("exact", "grid", "parent", "drop")
    assert spec.is_identity is False or spec.admin_only


# -- backup lines ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backup_lines() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/src.db") as s:
        fill(s, pipeline=False)
        from khronika.export import start_export

        return list(start_export(s, "jsonl", "none", actor="t", role="admin"))


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'empty.db'}") as s:
        yield s


row_lines = st.builds(
    lambda table, row: json.dumps({"table": table, "row": row}),
    st.sampled_from([t.name for t in backup_tables()] + ["users", "audit", "nope"]),
    st.dictionaries(st.sampled_from(["id", "doc_id", "raw", "text", "run_id", "kind", "data", "x"]), values,
                    max_size=5),
)


@BUDGET
@given(st.lists(st.one_of(row_lines, st.text(max_size=40)), max_size=6))
def test_arbitrary_backup_lines_are_refused_and_change_nothing(
    empty_store: Store, backup_lines: list[str], lines: list[str]
) -> None:
    before = _counts(empty_store)
    candidate = [backup_lines[0], *[ln + "\n" for ln in lines], '{"end": true, "rows": {}}\n']
    try:
        load(empty_store, candidate, source="fuzz.jsonl", actor="t")
    except KhronikaError as e:
        assert isinstance(e, InputError | ConfigError) or "empty store" in str(e)
        assert _counts(empty_store) == before
    else:
        # Only nothing-to-import can pass: blank lines and the end line.
        assert all(not ln.strip() for ln in lines)
        empty_store.audit_entries()  # still readable


@BUDGET
@given(st.data())
def test_a_backup_with_one_character_changed_loads_whole_or_not_at_all(
    tmp_path_factory: pytest.TempPathFactory, backup_lines: list[str], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(backup_lines) - 1), label="line")
    line = backup_lines[i]
    pos = data.draw(st.integers(0, len(line) - 1), label="position")
    char = data.draw(st.sampled_from(['"', "{", "}", ",", "0", "x", "\\", " ", ""]), label="new char")
    mutated = [*backup_lines[:i], line[:pos] + char + line[pos + 1 :], *backup_lines[i + 1 :]]
    db = tmp_path_factory.mktemp("mut") / "k.db"
    with Store(f"sqlite:///{db}") as target:
        empty = _counts(target)
        try:
            load(target, mutated, source="mutated.jsonl", actor="t")
        except KhronikaError:
            assert _counts(target) == empty
        else:
            assert _counts(target)["documents"] >= 1
            assert target.audit_entries()[-1]["kind"] == "import"


# -- CLI arguments -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'k.db'}"
    with Store(db) as s:
        fill(s, pipeline=False)
    return db


def _audit_len(db: str) -> int:
    with Store(db) as s:
        return len(s.audit_entries())


@BUDGET
@given(fmt=st.one_of(st.sampled_from(sorted(FORMATS)), st.text(max_size=8)),
       policy=st.one_of(st.none(), st.sampled_from(policy_names()), st.text(max_size=8)))
def test_export_arguments_either_export_or_fail_in_one_line(
    cli_db: str, tmp_path_factory: pytest.TempPathFactory, fmt: str, policy: str | None
) -> None:
    from khronika.cli import app

    out = tmp_path_factory.mktemp("x") / "out.txt"
    args = ["export", fmt, "--out", str(out), "--db", cli_db]
    args += ["--policy", policy] if policy is not None else []
    before = _audit_len(cli_db)
    res = CliRunner().invoke(app, args)
    valid = fmt in FORMATS and (
        (fmt == "jsonl" and policy == "none") or (fmt != "jsonl" and (policy or "public") in policy_names()
                                                   and policy != "none")
    )
    if valid:
        assert res.exit_code == 0, res.output
        assert out.exists() and _audit_len(cli_db) == before + 1
    else:
        assert res.exit_code == 2, (args, res.output)
        assert not out.exists() and _audit_len(cli_db) == before
        assert res.output.strip().startswith("error:") or "Usage" in res.output


@BUDGET
@given(st.binary(max_size=200))
def test_import_of_arbitrary_bytes_fails_cleanly(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes
) -> None:
    from khronika.cli import app

    d = tmp_path_factory.mktemp("imp")
    f = d / "in.jsonl"
    f.write_bytes(blob)
    db = f"sqlite:///{d / 'k.db'}"
    res = CliRunner().invoke(app, ["import", str(f), "--db", db])
    assert res.exit_code == 2, res.output
    assert res.output.strip().startswith("error:") and len(res.output.strip().splitlines()) == 1
    with Store(db) as s:
        assert all(v == 0 for v in _counts(s).values())


# -- the API ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, Store]]:
    from fastapi.testclient import TestClient

    from khronika.store.accounts import create_token, create_user
    from khronika.web.app import create_app

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}")
    fill(store, pipeline=False)
    create_user(store, "vera", "viewer", "viewer-password-long-enough-1")
    token = create_token(store, "vera", "fuzz")
    with TestClient(create_app(store=store), raise_server_exceptions=False) as client:
        yield client, token, store
    store.close()


@BUDGET
@given(fmt=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10),
       policy=st.text(max_size=10))
def test_export_api_answers_bad_input_with_a_4xx(api: tuple[Any, str, Store], fmt: str, policy: str) -> None:
    client, token, store = api
    before = len(store.audit_entries())
    r = client.get(f"/api/export/{quote(fmt, safe='')}", params={"policy": policy},
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code < 500, (fmt, policy, r.text)
    if r.status_code != 200:
        assert len(store.audit_entries()) == before
