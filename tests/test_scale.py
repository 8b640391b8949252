"""Parallel ingest (khronika.scale): the same store as a serial run, batches all-or-nothing, resumable.

Real SQLite and PostgreSQL, a real Dask cluster of worker processes. One cluster serves the module
(through `run_jobs(scheduler=...)`, the `--scheduler` path) so the models load once per worker; one
test starts its own LocalCluster (the `--workers N` path).
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.engine import make_url

from khronika.errors import StoreError
from khronika.ingest import IngestJob, jobs_from_paths, prepare, run_jobs
from khronika.intake import MAX_BYTES, make_document
from khronika.pipeline import default_pipeline
from khronika.store import Store
from khronika.store.schema import link_events

# Written for these tests: several reports of the same few happenings, in English and Russian, so that
# linking forms incidents of several members and the comparison with a serial run means something.
TEXTS = {
    "fire_en_1.txt": "On 5 January around 17:00 protesters set fire to the akimat, smoke everywhere.",
    "fire_en_2.txt": "I saw the akimat burning on 5 January at about 17:30, the crowd set fire to it.",
    "fire_en_3.txt": "On 5 January in the evening the akimat was set on fire by protesters, we filmed it.",
    "fire_ru_1.txt": "5 января около 17:00 протестующие подожгли здание акимата, всё было в дыму.",
    "shots_en_1.txt": "On 6 January at 09:15 we heard automatic gunfire near Republic Square.",
    "shots_en_2.txt": "Gunfire near Republic Square on 6 January around 09:30, people ran into the yards.",
    "shots_ru_1.txt": "6 января в 09:15 мы слышали автоматные очереди возле площади Республики.",
    "loot_en_1.txt": "On 7 January a crowd looted shops at Barakholka around noon.",
    "loot_ru_1.txt": "7 января около полудня толпа разграбила магазины на Барахолке.",
    "net_en_1.txt": "Mobile internet was down in Bostandyk district on 5 January, the ATMs did not work.",
    "gas_en_1.txt": "On 8 January police fired tear gas at a crowd near the Green Bazaar in the morning.",
    "quiet_en_1.txt": "Nothing happened in our street today, we stayed at home and waited.",
}
PUBLISHED = "2022-01-09"
QUIET = Console(stderr=True, quiet=True)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster for the module: two worker processes, no dashboard."""
    from khronika.scale.cluster import local_cluster

    with local_cluster(2) as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def twin_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty store on the same engine as `store`."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'twin.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    base = make_url(store_url).difference_update_query(["options"])
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def jobs(folder: Path) -> list[IngestJob]:
    return jobs_from_paths([str(folder)], published=PUBLISHED, lang=None, source=None)


def incidents(store: Store) -> set[frozenset[str]]:
    """Incidents as sets of event ids: what linking decided, whatever the incident ids."""
    with store.read() as conn:
        rows = conn.execute(sa.select(link_events.c.event_id, link_events.c.incident_id)).all()
    groups: dict[str, set[str]] = {}
    for event_id, incident_id in rows:
        groups.setdefault(incident_id, set()).add(event_id)
    return {frozenset(g) for g in groups.values()}


def events(store: Store) -> set[tuple[Any, ...]]:
    return {(e["doc_id"], e["event_id"], e["type"], e["date"], e["place"]) for e in store.chronicle()}


def assert_whole(store: Store, n_docs: int) -> None:
    """n distinct documents, each with one current run, a verified chain, nothing left to link."""
    ids = store.document_ids()
    assert len(ids) == len(set(ids)) == n_docs
    for doc_id in ids:
        assert sum(1 for r in store.runs(doc_id) if r["superseded_by"] is None) == 1
    res = store.audit_verify()
    assert res.ok, res.reason
    assert store.unlinked_documents() == []


def test_parallel_run_equals_serial_run(store: Store, twin_url: str, corpus: Path, scheduler: str) -> None:
    serial = run_jobs(jobs(corpus), store, console=QUIET)
    assert serial.stored == len(TEXTS) and serial.failed == 0
    with Store(twin_url) as twin:
        par = run_jobs(jobs(corpus), twin, console=QUIET, scheduler=scheduler, batch_size=3)
        assert (par.stored, par.seen, par.failed) == (len(TEXTS), 0, 0)
        assert_whole(twin, len(TEXTS))
        assert set(twin.document_ids()) == set(store.document_ids())
        assert events(twin) == events(store)
        assert incidents(twin) == incidents(store)
    # the comparison is not vacuous: three accounts of the fire (at least) make one incident
    assert max(len(g) for g in incidents(store)) >= 3


def test_serial_linking_does_not_depend_on_order(store: Store, twin_url: str, corpus: Path) -> None:
    forward = jobs(corpus)
    backward = list(reversed(forward))
    random.Random(7).shuffle(backward)
    run_jobs(forward, store, console=QUIET)
    with Store(twin_url) as twin:
        run_jobs(backward, twin, console=QUIET)
        assert incidents(twin) == incidents(store)


def test_rerun_skips_stored_documents(store: Store, corpus: Path, scheduler: str) -> None:
    first = run_jobs(jobs(corpus), store, console=QUIET, scheduler=scheduler)
    again = run_jobs(jobs(corpus), store, console=QUIET, scheduler=scheduler)
    assert first.stored == len(TEXTS)
    assert (again.stored, again.seen, again.failed) == (0, len(TEXTS), 0)
    assert_whole(store, len(TEXTS))


def test_resume_links_documents_saved_but_not_linked(
    store: Store, twin_url: str, corpus: Path, scheduler: str
) -> None:
    """A process killed between a batch's commit and its linking: the re-run links those documents."""
    run_jobs(jobs(corpus), store, console=QUIET)  # the reference: a serial run
    cut = {j.name: j for j in jobs(corpus) if Path(j.name).name in sorted(TEXTS)[:5]}
    pipe = default_pipeline()
    with Store(twin_url) as twin:
        for job in cut.values():  # saved, never linked
            twin.save(pipe(prepare(job, twin, MAX_BYTES).build()))
        pending = twin.unlinked_documents()
        assert len(pending) >= 1
        summary = run_jobs(jobs(corpus), twin, console=QUIET, scheduler=scheduler)
        assert summary.seen == len(cut) and summary.stored == len(TEXTS) - len(cut)
        assert summary.relinked == len(pending)
        assert_whole(twin, len(TEXTS))
        assert incidents(twin) == incidents(store)


def test_a_failing_document_leaves_its_batch_intact(store: Store, corpus: Path) -> None:
    """save_many is one transaction: a bad document stops the whole batch, and nothing is written."""
    pipe = default_pipeline()
    docs = []
    for name in sorted(TEXTS)[:3]:
        raw = (corpus / name).read_bytes()
        docs.append(pipe(make_document(raw, name=name, published=PUBLISHED)))
    victim = next(d for d in docs if d.events)
    victim.events[0].confidence = math.nan  # a value JSON cannot hold: the save fails mid-transaction
    with pytest.raises(StoreError, match="cannot be stored"):
        store.save_many(docs)
    assert store.document_ids() == []
    assert store.audit_verify().ok


def test_the_writer_stores_the_good_documents_of_a_failing_batch(store: Store, corpus: Path) -> None:
    from khronika.ingest import Summary
    from khronika.scale.writer import BatchWriter

    pipe = default_pipeline()
    docs = [
        pipe(make_document((corpus / n).read_bytes(), name=n, published=PUBLISHED)) for n in sorted(TEXTS)[:4]
    ]
    bad = next(d for d in docs if d.events)
    bad.events[0].confidence = math.nan
    summary = Summary()
    writer = BatchWriter(store, summary, QUIET, lambda n: None, batch_size=10)
    for d in docs:
        writer.add(d, seen=False)
    writer.flush()
    assert (summary.stored, summary.failed) == (3, 1)
    assert bad.id not in store.document_ids()
    assert_whole(store, 3)


def test_workers_on_a_local_cluster(tmp_path: Path, corpus: Path) -> None:
    """`--workers 2` with no scheduler: a LocalCluster of its own, stopped at the end."""
    with Store(f"sqlite:///{tmp_path / 'local.db'}") as store:
        summary = run_jobs(jobs(corpus), store, console=QUIET, workers=2, batch_size=4)
        assert (summary.stored, summary.failed) == (len(TEXTS), 0)
        assert_whole(store, len(TEXTS))


def test_one_worker_is_the_serial_path_without_dask(tmp_path: Path, corpus: Path) -> None:
    code = (
        "import sys\n"
        "from rich.console import Console\n"
        "from khronika.ingest import jobs_from_paths, run_jobs\n"
        "from khronika.store import Store\n"
        f"jobs = jobs_from_paths([{str(corpus)!r}], published='2022-01-09', lang=None, source=None)[:2]\n"
        f"s = run_jobs(jobs, Store({'sqlite:///' + str(tmp_path / 'one.db')!r}), workers=1,"
        " console=Console(quiet=True))\n"
        "assert s.stored == 2, s\n"
        "print('distributed' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("args", [["--workers", "0"], ["--batch-size", "0"], ["--scheduler", "localhost"]])
def test_bad_scale_options_are_one_line_and_change_nothing(
    tmp_path: Path, corpus: Path, args: list[str]
) -> None:
    db = tmp_path / "never.db"
    cmd = [sys.executable, "-m", "khronika.cli", "ingest", str(corpus), "--db", f"sqlite:///{db}", *args]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1 and "error" in res.stderr
    assert not db.exists()


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, corpus: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "khronika.cli",
        "ingest",
        str(corpus),
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--scheduler",
        "tcp://127.0.0.1:9",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2
    assert "cannot reach the Dask scheduler" in res.stderr
