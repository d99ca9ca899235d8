"""The effect report in a real headless browser (Debian's chromium).

A screenshot must show a non-blank page, and the page itself must make no network
request. Chromium's own background services (update checks, account lookups) also show
up in its network log; they carry the initiator "not an origin", while any request the
page makes carries the page's origin. A control page with one external image proves the
check can fail. The English rendering is drawn too, and the report printed to PDF (the print
stylesheet: A4 pages).

``.ci/run`` installs chromium when it is missing; under CI (``CI`` set) a missing browser
fails the test with a clear message instead of skipping it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from effekt.reports import render_report
from effekt.study import run_study

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        message = ("chromium is not installed: the report cannot be rendered in a browser. "
                   "Install Debian's chromium (apt-get install -y chromium); .ci/run does.")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _render(chromium: str, page: Path, tmp: Path) -> tuple[np.ndarray, list[dict]]:
    """Screenshot ``page``; return the image and the page-initiated requests."""
    shot, netlog = tmp / "shot.png", tmp / "net.json"
    subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp / 'profile'}", "--window-size=1200,1600",
         f"--screenshot={shot}", f"--log-net-log={netlog}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    page_requests = [
        e["params"] for e in log["events"]
        if e["type"] == start and "url" in e.get("params", {})
        and e["params"].get("initiator") != "not an origin"
        and not e["params"]["url"].startswith(("file:", "data:"))
    ]
    return image.imread(shot), page_requests


def test_report_renders_and_makes_no_network_request(chromium, tmp_path):
    out = tmp_path / "holf"
    run_study(REPO / "studies" / "holf.toml", out)
    pixels, requests = _render(chromium, out / "report.html", tmp_path)
    assert requests == []
    gray = pixels[..., :3].mean(axis=2)
    assert gray.shape[0] >= 1000
    assert gray.std() > 0.05  # not a blank page: text, tables and figures
    assert (gray < 0.5).mean() > 0.01  # some dark ink on the page


def test_english_report_renders(chromium, holf_results, in_english, tmp_path):
    page = tmp_path / "report_en.html"
    page.write_text(render_report(in_english(holf_results)), encoding="utf-8")
    pixels, requests = _render(chromium, page, tmp_path)
    assert requests == []
    gray = pixels[..., :3].mean(axis=2)
    assert gray.std() > 0.05 and (gray < 0.5).mean() > 0.01


def test_report_prints_to_pdf_pages(chromium, holf_results, tmp_path):
    """'Save as PDF' in a browser: A4 pages from the print stylesheet, nothing fetched."""
    page, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    page.write_text(render_report(holf_results), encoding="utf-8")
    subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= 3  # a long report on A4: several pages, not one endless one
    boxes = {m for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert all(abs(float(b.split()[2]) - 595.3) < 2 for b in boxes)  # A4 width in points


def test_network_check_detects_a_page_request(chromium, tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<html><body><p>x</p><img src="http://127.0.0.1:9/pixel.png"></body></html>')
    _, requests = _render(chromium, page, tmp_path)
    assert any("127.0.0.1" in r["url"] for r in requests)
