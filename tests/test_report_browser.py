"""The class report in a real browser: Debian's headless ``chromium`` loads the page without a
console error, and its screenshot is not blank (pixel variance of the PNG)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.cli import main
from grader.paths import EXAMPLE_CLASS_DIR

sys.path.insert(0, str(Path(__file__).parent))
from report_folder import synthetic_class, write_folder  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it in CI)")


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr",
                           "--v=0", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    results, quizzes = synthetic_class(40, seed=1)
    write_folder(out, results, quizzes, fast=True)
    assert main(["report", str(out)]) == 0
    return out / "report.html"


def test_page_loads_without_console_errors(report, tmp_path):
    run = _chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Class report" in run.stdout and "<svg" in run.stdout
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console


def test_screenshot_is_not_blank(report, tmp_path):
    import matplotlib.image

    png = tmp_path / "report.png"
    run = _chromium(f"--screenshot={png}", "--window-size=1280,1600", "--hide-scrollbars", report.as_uri(),
                    profile=tmp_path / "profile")
    assert png.is_file(), run.stderr[-2000:]
    pixels = matplotlib.image.imread(png)[..., :3]
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1200
    assert float(pixels.var()) > 0.01          # a blank page is one colour: variance 0
    # more than white and black: the plots' Okabe-Ito blue bars are there
    blue = np.all(np.abs(pixels - np.array([0x00, 0x72, 0xB2]) / 255) < 0.08, axis=-1)
    assert blue.sum() > 500
    shutil.copy(png, Path(report).parent / "report.png")   # kept beside the report for a look by eye
