"""kg serve in a real headless Chromium (Debian's, through Playwright; issue 13): browsing from the
home page to a quote in its source, a query written in the editor, the ask page; with the strict
CSP never violated and no request leaving 127.0.0.1.

Screenshots go to $KG_SCREENSHOTS when set (docs/img is made that way), else to a temp folder.
KG_REQUIRE_BROWSER=1 turns a missing Playwright or Chromium into a failure instead of a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest

from kg.paths import Paths
from tests.browser import chromium
from tests.conftest import ROOT, SHARED_SOURCES
from tests.serving import started


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


def _need(what: str) -> None:
    if os.environ.get("KG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} missing (KG_REQUIRE_BROWSER=1)")
    pytest.skip(f"{what} missing")


class Browser:
    """One page in a Chromium that records every request and every CSP report or script error."""

    def __init__(self, pw, base: str, shots: Path) -> None:
        self.base, self.shots = base, shots
        self.browser = pw.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 860}, service_workers="block")
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        # anything not for this server is refused here too, so a stray fetch can never leave the machine
        self.context.route(re.compile(r"^(?!" + re.escape(base) + r"/)(?!data:)(?!blob:).*"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"script error: {e}"))

    def _console(self, msg) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text or msg.type == "error":
            self.problems.append(f"console {msg.type}: {text}")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"))

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not (u.startswith(self.base + "/") or u.startswith(("data:", "blob:")))]

    def close(self) -> None:
        self.context.close()
        self.browser.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_playwright = _playwright()
    if sync_playwright is None:
        _need("playwright (pip install playwright; no browser download needed)")
    if chromium() is None:
        _need("chromium")
    if not SHARED_SOURCES.is_dir():
        pytest.skip("the source texts (../shared/sources) are not here")
    tmp = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "data", tmp / "data")
    paths = Paths(data=tmp / "data", ontology=ROOT / "ontology", home=tmp / "home")
    shots = Path(os.environ.get("KG_SCREENSHOTS") or tmp / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with started(paths, "--sources", str(SHARED_SOURCES)) as server, sync_playwright() as pw:
        b = Browser(pw, server.base, shots)
        try:
            yield b
        finally:
            b.close()


def test_home_class_entity_source_with_the_quote_highlighted(browser):
    page = browser.page
    page.goto(browser.base + "/")
    page.fill("#q", "deeps")  # search as you type: the list fills without a submit
    page.wait_for_selector('#hits a[href="/entity/deepseek"]', timeout=10000)
    page.fill("#q", "")
    browser.shot("home")
    page.click('a[href="/class/Person"]')
    page.wait_for_url("**/class/Person")
    assert page.locator("table.list tbody tr").count() > 10
    browser.shot("class")
    page.click('table.list a[href="/entity/jack-ma"]')
    page.wait_for_url("**/entity/jack-ma")
    assert page.locator("h1").inner_text() == "Jack Ma"
    page.wait_for_timeout(1500)  # the network view draws in its frame
    browser.shot("entity")
    evidence = page.locator("p.ev a").first
    quote = page.locator("ul.facts li blockquote").first.inner_text()
    evidence.click()
    page.wait_for_url(re.compile(r".*/source/[\w.]+#st-[0-9a-f]+$"))
    anchor = urllib.parse.urlsplit(page.url).fragment
    # the quote is marked, starts at the anchor, and the browser scrolled it into view
    marked = page.evaluate(
        """(id) => { let n = document.getElementById(id), out = "";
             while (n && (n = n.nextElementSibling) && n.tagName !== "MARK") {}
             for (; n && n.tagName === "MARK"; n = n.nextElementSibling) out += n.textContent;
             return out; }""",
        anchor,
    )
    assert " ".join(quote.split())[:30] in " ".join(marked.split())
    outlined = page.locator("mark.here")
    assert outlined.count() >= 1 and " ".join(quote.split())[:30] in " ".join("".join(outlined.all_inner_texts()).split())
    box = outlined.first.bounding_box()
    assert box is not None and 0 <= box["y"] <= 860  # in view
    browser.shot("source")
    assert browser.problems == [] and browser.foreign() == []


def test_a_query_written_in_the_editor_and_its_table(browser):
    page = browser.page
    page.goto(browser.base + "/query")
    page.wait_for_selector("body[data-kg-editor=ready]", timeout=20000)
    page.click(".CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    query = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX schema: <https://schema.org/>\n"
             "PREFIX kgr: <https://w3id.org/kg-tc/id/>\n"
             "SELECT ?name WHERE { kgr:great-hall-meeting schema:attendee ?p . ?p rdfs:label ?name } ORDER BY ?name")  # fmt: skip
    page.keyboard.insert_text(query)
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == query
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    cells = page.locator(".yasr table tbody td").all_inner_texts()
    assert "Jack Ma" in " ".join(cells) and "Pony Ma" in " ".join(cells)
    assert "^^" not in " ".join(cells)  # plain literals are shown as strings, not "Jack Ma"^^xsd:string
    assert "query=" in page.url and "great-hall-meeting" in urllib.parse.unquote(page.url)  # shareable
    browser.shot("query")
    shared = page.url
    page.goto(shared)  # the shared link opens the same query and runs it
    page.wait_for_selector(".yasr table tbody tr", timeout=20000)
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == query
    assert browser.problems == [] and browser.foreign() == []


def test_the_ask_page_with_evidence(browser):
    page = browser.page
    page.goto(browser.base + "/ask")
    page.fill('main input[name="q"]', "who attended the Great Hall meeting")
    page.press('main input[name="q"]', "Enter")
    page.wait_for_selector("ol.answers li", timeout=20000)
    answers = page.locator("ol.answers li .val a").all_inner_texts()
    assert "Jack Ma" in answers and page.locator("ol.answers blockquote").count() >= len(answers)
    browser.shot("ask")
    page.locator("ol.answers p.ev a").first.click()
    page.wait_for_url(re.compile(r".*/source/[\w.]+#at-\d+-\d+$"))
    assert browser.problems == [] and browser.foreign() == []


def test_nothing_left_the_machine(browser):
    """Every request of every page so far went to the server; the editor's page is loaded here
    too, so this holds whichever tests of the module ran before it (and in whatever order)."""
    browser.page.goto(browser.base + "/query")
    browser.page.wait_for_selector("body[data-kg-editor=ready]", timeout=20000)
    assert browser.requests, "no request recorded"
    assert browser.foreign() == [], browser.foreign()
    assert any("/static/yasgui/yasgui.min.js" in u for u in browser.requests)
