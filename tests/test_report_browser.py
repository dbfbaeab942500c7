"""Open rendered profile pages in headless Chromium: tables and the embedded radar render, offline.

CI installs Chromium (.ci/run). Without it this test fails with a message saying so; deselect
it explicitly with ``-m 'not browser'``. Screenshots and DOM dumps are kept in tests/artefacts/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from report_helpers import RTL, write_hostile_profile

from maturity import load_profile, score
from maturity.loading import bundled_profiles_dir
from maturity.report.html import write_profile_html

pytestmark = pytest.mark.browser

ARTEFACTS = Path(__file__).parent / "artefacts"
RADAR_LINE = np.array([0x08, 0x51, 0x9C]) / 255  # the radar's score line colour: only the embedded image has it


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        pytest.fail("Chromium is not installed: the browser check of the HTML report needs it "
                    "(apt-get install chromium; .ci/run installs it), or deselect with -m 'not browser'")
    return exe


def _browse(page: Path, screenshot: Path, profile_dir: Path) -> str:
    """Screenshot ``page`` and return its DOM after load; network lookups are mapped to nowhere."""
    common = [_chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--hide-scrollbars",
              "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile_dir}", "--window-size=1200,2000"]
    shot = subprocess.run([*common, f"--screenshot={screenshot}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout


@pytest.fixture(scope="module")
def artefacts() -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


def test_profile_page_renders_in_chromium(artefacts, tmp_path):
    page = write_profile_html(score(load_profile(bundled_profiles_dir() / "ph-legazpi.yaml")),
                              artefacts / "profile-ph-legazpi.html")
    dom = _browse(page, artefacts / "profile-ph-legazpi.png", tmp_path / "chromium")
    (artefacts / "profile-ph-legazpi.dom.html").write_text(dom, encoding="utf-8")
    assert "<h1" in dom and "Legazpi City" in dom
    assert len(re.findall(r'<tr id="factor-', dom)) == 19
    assert len(re.findall(r'<tr id="pillar-', dom)) == 6
    assert 'id="factor-participation" class="good"' in dom
    imgs = re.findall(r"<img [^>]*>", dom)
    assert len(imgs) == 1 and 'src="data:image/png;base64,' in imgs[0]
    assert "<script" not in dom
    # The radar was decoded and painted: its line colour is in the screenshot.
    pixels = mpimg.imread(artefacts / "profile-ph-legazpi.png")[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    near = np.all(np.abs(pixels - RADAR_LINE) < 0.06, axis=-1)
    assert near.sum() > 200, "the embedded radar did not render"


def test_hostile_page_renders_as_text(artefacts, tmp_path):
    profile = load_profile(write_hostile_profile(tmp_path / "hostile.yaml"))
    page = write_profile_html(score(profile), artefacts / "profile-hostile.html")
    dom = _browse(page, artefacts / "profile-hostile.png", tmp_path / "chromium")
    (artefacts / "profile-hostile.dom.html").write_text(dom, encoding="utf-8")
    assert "<script" not in dom and "<b>" not in dom
    assert "&lt;script&gt;" in dom and RTL in dom
    assert len(re.findall(r"<img ", dom)) == 1
    assert len(re.findall(r'<tr id="factor-', dom)) == 19  # the hostile note closed no table
