"""The published report in a real browser: headless Chromium renders it from a file:// address.

Chromium is Debian's ``chromium`` package; ``make test`` installs it when it is missing and the
machine allows (root on Debian). Where it is not installed this test FAILS with the command to
install it, rather than skipping: a report nobody has seen rendered is not checked.

Artefacts (kept for a person to look at, under ``.state/artifacts/``, which git ignores):
``report-screenshot.png`` (the top of the report as a browser draws it) and ``report-dom.html``
(the DOM Chromium built from the file).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from conftest import REPO
from test_report import ARTIFACTS, published

from kit.analysis import REGISTRY

pytestmark = pytest.mark.slow

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--virtual-time-budget=15000",
]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = "sudo apt-get install -y --no-install-recommends chromium"
# Run once the page has loaded: write what the browser actually laid out into the DOM, so that
# --dump-dom shows it. Only the test's copy carries it; the published report has no script.
PROBE = """<script>
window.addEventListener("load", function () {
  document.querySelectorAll("img").forEach(function (img) {
    var box = img.getBoundingClientRect();
    img.setAttribute("data-natural", img.naturalWidth + "x" + img.naturalHeight);
    img.setAttribute("data-box", Math.round(box.width) + "x" + Math.round(box.height));
  });
  document.body.setAttribute("data-tables", document.querySelectorAll("table").length);
  document.body.setAttribute("data-rows", document.querySelectorAll("tbody tr").length);
});
</script>"""


def chromium() -> str:
    path = os.environ.get("KIT_CHROMIUM") or next(
        (shutil.which(b) for b in BROWSERS if shutil.which(b)), None
    )
    if not path:
        pytest.fail(
            "Headless Chromium is not installed, so the HTML report cannot be checked in a real browser. "
            f"Install it ({INSTALL}) or run 'make test' as root on Debian, which installs it."
        )
    return path


def run_browser(tmp_path, *args) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
    }
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env, check=False)
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def report():
    return published()["report"]


def test_chromium_renders_the_report_with_its_charts_and_tables(report, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dom = run_browser(tmp_path, "--dump-dom", report.resolve().as_uri()).stdout
    (ARTIFACTS / "report-dom.html").write_text(dom, encoding="utf-8")
    n_charts = len(list((report.parent / "charts").glob("*.png")))
    images = re.findall(r'<img src="(data:image/png;base64,[^"]+)"', dom)
    assert len(images) == n_charts, "every chart is in the page as an embedded image"
    assert dom.count("<table>") == len(REGISTRY), "every table is in the page"
    assert "Key findings" in dom and "Residential care costs" in dom

    probed = tmp_path / "report-probed.html"
    probed.write_text(
        report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    dom = run_browser(tmp_path, "--dump-dom", probed.as_uri()).stdout
    natural = re.findall(r'data-natural="(\d+)x(\d+)"', dom)
    boxes = re.findall(r'data-box="(\d+)x(\d+)"', dom)
    assert len(natural) == len(boxes) == n_charts, "the browser ran the probe on every image"
    for (w, h), (bw, bh) in zip(natural, boxes, strict=True):
        assert int(w) > 400 and int(h) > 200, "the browser decoded the chart"
        assert int(bw) > 300 and int(bh) > 150, "the chart is laid out at a readable size"
    tables = int(re.search(r'data-tables="(\d+)"', dom).group(1))
    rows = int(re.search(r'data-rows="(\d+)"', dom).group(1))
    assert tables == len(REGISTRY) and rows > 100
    print(f"\nChromium laid out {len(boxes)} charts and {tables} tables ({rows} rows)")


def test_screenshot_shows_the_charts(report, tmp_path):
    import matplotlib.image as mpimg

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-screenshot.png"
    shot.unlink(missing_ok=True)
    run_browser(tmp_path, f"--screenshot={shot}", "--window-size=1280,3600", report.resolve().as_uri())
    assert shot.exists() and shot.stat().st_size > 50_000, "Chromium wrote a screenshot"
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] >= 3000 and pixels.shape[1] >= 1200
    dark_blue = np.array([0x12, 0x43, 0x6D]) / 255
    chart_ink = (np.abs(pixels - dark_blue).max(axis=2) < 0.04).sum()
    print(
        f"\nScreenshot {shot.relative_to(REPO)}: {pixels.shape[1]}x{pixels.shape[0]}, {chart_ink:,} dark-blue pixels"
    )
    assert chart_ink > 20_000, "the charts' dark blue bars are visible in the rendered page"
