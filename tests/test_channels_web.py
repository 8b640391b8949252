"""Saved web pages: main text by trafilatura (offline), title and date from the page's metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from khronika.ingest import jobs_from_paths, run_jobs
from khronika.intake.channels import ChannelJob

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Night on the square | Test Courier</title>
<meta property="og:title" content="Night on the square">
<meta property="article:published_time" content="2022-01-06T07:30:00+06:00">
</head><body>
<header><a href="/">Test Courier</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></header>
<article>
<h1>Night on the square</h1>
<p>Residents of the Almaty district told our reporter that the power was cut shortly after midnight and
that mobile internet had been unavailable since the previous afternoon.</p>
<p>By morning, queues had formed at the few pharmacies that opened, and card payments were refused in
most shops along the avenue, according to three people we spoke to.</p>
</article>
<footer>Copyright Test Courier. Subscribe to our newsletter.</footer>
</body></html>"""


def test_html_page_main_text_title_date(tmp_path: Path, store: Any) -> None:
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source="Test Courier", fmt="auto")
    assert run_jobs(jobs, store).stored == 1
    job = jobs[0]
    assert isinstance(job, ChannelJob)
    doc = store.load_document(job.doc_id())
    assert "power was cut shortly after midnight" in doc.text
    assert "card payments were refused" in doc.text
    assert "Subscribe to our newsletter" not in doc.text and "Sport" not in doc.text
    assert doc.title == "Night on the square"
    assert doc.published == "2022-01-06"
    assert doc.provenance.channel == "web" and doc.provenance.source == "Test Courier"
    assert any(s.service == "mobile_internet" for s in doc.services)  # the pipeline read the extracted text


def test_page_without_text_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>",
                    encoding="utf-8")
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="html")
    assert len(jobs) == 1 and jobs[0].source is not None and jobs[0].source.error is not None
