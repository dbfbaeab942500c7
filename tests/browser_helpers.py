"""Look at rendered HTML reports in headless Chromium through the DevTools protocol (playwright).

Playwright drives the system's Chromium (``chromium`` on the PATH, as .ci/run installs it); no
browser is downloaded. Every request other than the page's own file is aborted, so a page
that needed the network would show it. What a reader sees is measured in the page: computed
styles, the document's width against the window's, images decoded, the layout in print.
Screenshots and PDFs are kept in tests/artefacts/ for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ARTEFACTS = Path(__file__).parent / "artefacts"

#: A4 portrait at 96 px per inch, less 1 cm margins each side: the width print layout gets.
PRINT_WIDTH = 718

MEASURE = r"""() => {
  const style = (sel, prop) => { const el = document.querySelector(sel); return el ? getComputedStyle(el)[prop] : null; };
  const doc = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const cls = el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '';
    if (r.width > 0 && r.right > doc.clientWidth + 1) wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls);
  }
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const head = node.parentElement && node.parentElement.closest('thead');
    if (head && head.getBoundingClientRect().width <= 1) continue;  // visually hidden: read by screen readers only
    const re = /[^\s\u2013\u2014\-]+/g;  // runs between spaces and dashes (where lines may break)
    for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
      if (m[0].length < 2 || m[0].length > 24) continue;  // only words short enough that a line can hold them
      const range = document.createRange();
      range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(m[0]);
    }
  }
  return {
    brokenWords: broken.slice(0, 20),
    styleText: [...document.querySelectorAll('style')].map(s => s.textContent).join('\n'),
    bodyFont: style('body', 'fontFamily'),
    h2Border: style('h2', 'borderBottomColor'),
    h2BreakAfter: style('h2', 'breakAfter'),
    rowBreakInside: style('tr', 'breakInside'),
    goodBar: style('tr.good > th', 'borderLeftColor'),
    goodBarWidth: style('tr.good > th', 'borderLeftWidth'),
    potentialBar: style('tr.potential > th', 'borderLeftColor'),
    scrollWidth: doc.scrollWidth,
    innerWidth: window.innerWidth,
    tooWide: wide.slice(0, 20),
    images: [...document.images].map(i => ({alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth,
                                            width: i.getBoundingClientRect().width})),
    sections: [...document.querySelectorAll('body > section, body > main > section')].map(s => s.id),
  };
}"""


@dataclass
class Look:
    """What a page showed at one viewport width."""

    width: int
    media: str
    facts: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.facts[key]


def chromium_path() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        pytest.fail("Chromium is not installed: the browser checks of the HTML reports need it "
                    "(apt-get install chromium; .ci/run installs it), or deselect with -m 'not browser'")
    return exe


@contextmanager
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the browser checks need playwright: pip install -e '.[test]'")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


def look(b: Any, page_path: Path, *, width: int, height: int = 900, media: str = "screen",
         screenshot: str | None = None, pdf: str | None = None) -> Look:
    """Open ``page_path`` offline at ``width`` px, measure it, and keep a screenshot/PDF under tests/artefacts/."""
    ARTEFACTS.mkdir(exist_ok=True)
    page = b.new_page(viewport={"width": width, "height": height})
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url == page_path.as_uri():
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto(page_path.as_uri(), wait_until="load")
        page.emulate_media(media=media)
        facts = page.evaluate(MEASURE)
        facts["blocked"] = blocked
        if screenshot:
            page.screenshot(path=str(ARTEFACTS / screenshot), full_page=True)
        if pdf:
            page.pdf(path=str(ARTEFACTS / pdf), format="A4", margin={"top": "1cm", "bottom": "1cm", "left": "1cm", "right": "1cm"})
        facts["text"] = page.inner_text("body")
        facts["positions"] = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('[id]')].map(e => [e.id, e.getBoundingClientRect().top + window.scrollY]))")
    finally:
        page.close()
    return Look(width, media, facts)


def assert_reads_well(seen: Look) -> None:
    """The checks every report page passes at every width: its own CSS applied, nothing wider than the window."""
    style = seen["styleText"]
    assert "&#34;" not in style and "&gt;" not in style and "&quot;" not in style, "the stylesheet reached the page escaped"
    assert seen["bodyFont"] is not None and "system-ui" in seen["bodyFont"], f"body font is {seen['bodyFont']!r}"
    assert seen["h2Border"] == "rgb(69, 117, 180)", f"h2 underline is {seen['h2Border']!r}"
    assert seen["scrollWidth"] <= seen["innerWidth"], (
        f"page {seen['scrollWidth']} px wide in a {seen['innerWidth']} px window ({seen.media}); too wide: {seen['tooWide']}")
    assert not seen["tooWide"], f"elements past the right edge at {seen.width} px ({seen.media}): {seen['tooWide']}"
    assert not seen["blocked"], f"the page asked for {seen['blocked']}"
    if seen.media == "print":  # no heading alone at the bottom of a page, no row split across pages
        assert seen["h2BreakAfter"] == "avoid" and seen["rowBreakInside"] == "avoid"
    assert not seen["brokenWords"], f"words broken across lines at {seen.width} px ({seen.media}): {seen['brokenWords']}"
    for img in seen["images"]:
        assert img["complete"] and img["naturalWidth"] > 0, f"an image did not load: {img}"
        assert len(img["alt"]) > 20, f"alt text too thin: {img['alt']!r}"
        assert img["width"] <= seen["innerWidth"], f"an image is wider than the window: {img}"
