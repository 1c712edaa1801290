"""In a real browser (Debian's headless Chromium): home, a saved query, resource pages, chains."""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("Debian's chromium and chromium-driver are required (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def wait_for(driver, css: str, timeout: float = 15):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def editor(browser):
    """The CodeMirror editor's content element, once the bundle has started it."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return !!window.r2pkgEditor"))
    return wait_for(browser, "#query-editor .cm-content")


def set_query(browser, text: str) -> None:
    """Replace the editor's text at once (typing is tested on its own)."""
    editor(browser)
    browser.execute_script(
        "const v = window.r2pkgEditor; v.dispatch({changes: {from: 0, to: v.state.doc.length, insert: arguments[0]}});",
        text)


def type_query(browser, text: str) -> None:
    """Clear the editor and type into it key by key, as a person would."""
    from selenium.webdriver.common.keys import Keys

    content = editor(browser)
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys(text)


def test_home_runs_the_editor_query_and_follows_a_result_link(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/")
    assert "Responsibility to Protect" in browser.find_element(By.TAG_NAME, "h1").text
    assert "cases" in browser.find_element(By.ID, "figures").text
    browser.find_element(By.ID, "run").click()
    table = wait_for(browser, "#results-table")
    links = table.find_elements(By.CSS_SELECTOR, "a[href^='/id/case/']")
    assert len(links) >= 20
    target = next(a for a in links if a.get_attribute("href").endswith("/id/case/rwanda-1994"))
    target.click()
    heading = wait_for(browser, "h1")
    assert "Rwanda" in heading.text
    assert "Evidence" in browser.page_source


def test_editor_shows_a_syntax_error_with_its_position(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/")
    set_query(browser, "SELECT * WHERE {\n?s ?p\n}")
    browser.find_element(By.ID, "run").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "query-error").is_displayed())
    assert "line 2" in browser.find_element(By.ID, "query-error").text


def test_a_saved_query_runs_and_links_to_resources(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/queries")
    # a query every store answers within the page's time limit (authority-chain-nodes, first in
    # the list, takes about 9 s on rdflib's memory store since it follows competence hops)
    browser.find_element(By.CSS_SELECTOR, "dl.queries dt a[href$='/queries/who-held-a-mandate']").click()
    wait_for(browser, "h1")
    assert browser.find_elements(By.CSS_SELECTOR, "table.results tr") or "true" in browser.page_source


def test_chain_and_precedents_pages_render_their_pictures(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/id/mandate/special-adviser-prevention-of-genocide")
    browser.find_element(By.LINK_TEXT, "Authority chain").click()
    svg = wait_for(browser, "#chain-picture svg")
    assert svg.size["width"] > 200
    assert len(svg.find_elements(By.TAG_NAME, "rect")) >= 3
    assert "S/2004/567" in browser.page_source
    browser.get(live_server + "/id/case/darfur-2003")
    browser.find_element(By.LINK_TEXT, "Precedents").click()
    svg = wait_for(browser, "#precedents-picture svg")
    assert len(svg.find_elements(By.TAG_NAME, "rect")) >= 2
    assert wait_for(browser, "#timeline-picture svg").size["height"] > 30
    browser.save_screenshot("/tmp/r2pkg-precedents.png")


def test_editor_completes_runs_with_ctrl_enter_pages_a_truncated_answer_and_downloads_csv(
        browser, capped_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(capped_server + "/")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        "return document.querySelector('#query-editor') && window.r2pkgEditor && true"))
    # completion of the graph's own classes, served by the app
    type_query(browser, "SELECT ?c ?l WHERE { ?c a r2p:Cas")
    option = WebDriverWait(browser, 10).until(lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li")
         if o.find_element(By.CSS_SELECTOR, ".cm-completionLabel").text == "r2p:Case"), None))
    assert "case" in option.text.lower()
    option.click()
    content = editor(browser)
    content.send_keys(" ; rdfs:label ?l ")
    text = browser.execute_script("return window.r2pkgEditor.state.doc.toString()")
    assert text.startswith("SELECT ?c ?l WHERE { ?c a r2p:Case ; rdfs:label ?l") and text.rstrip().endswith("}")
    # Ctrl+Enter runs it: a table, the row count and the time
    content.send_keys(Keys.CONTROL, Keys.ENTER)
    table = wait_for(browser, "#results-table")
    assert len(table.find_elements(By.CSS_SELECTOR, "a[href^='/id/case/']")) >= 20
    WebDriverWait(browser, 10).until(lambda d: " ms" in d.find_element(By.ID, "query-status").text)
    assert "rows in" in browser.find_element(By.ID, "query-status").text
    assert "?query=" in browser.find_element(By.ID, "share").get_attribute("href")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history option")) >= 2
    # a truncated answer: the notice, and pages
    type_query(browser, "SELECT * WHERE { ?s ?p ?o } LIMIT 500")
    editor(browser).send_keys(Keys.CONTROL, Keys.ENTER)
    notice = wait_for(browser, "#truncated-notice", timeout=30)
    assert "cut at 120 rows" in notice.text
    info = browser.find_element(By.ID, "page-info")
    assert "rows 1–50 of 120" in info.text
    browser.find_element(By.ID, "page-next").click()
    WebDriverWait(browser, 5).until(lambda d: "rows 51–100" in d.find_element(By.ID, "page-info").text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#results-table tbody tr")) == 50
    box = browser.find_element(By.CSS_SELECTOR, ".table-scroll")
    assert box.size["width"] <= browser.find_element(By.TAG_NAME, "main").size["width"]
    # sorting by a column
    browser.find_element(By.CSS_SELECTOR, "#results-table th button.sort").click()
    WebDriverWait(browser, 5).until(lambda d: "▲" in d.find_element(By.CSS_SELECTOR, "#results-table th").text)
    # downloads fit a SELECT (no Turtle) and come with a file name
    formats = [a.get_attribute("data-format") for a in browser.find_elements(By.CSS_SELECTOR, "#downloads a")]
    assert formats == ["csv", "tsv", "json", "xml"]
    browser.find_element(By.CSS_SELECTOR, "#downloads a[data-format=csv]").click()
    target = tmp_path / "r2pkg-results.csv"
    WebDriverWait(browser, 20).until(lambda d: target.is_file() and target.stat().st_size > 0)
    assert sorted(target.read_text(encoding="utf-8").splitlines()[0].strip().split(",")) == ["o", "p", "s"]


def test_editor_downloads_a_graph_in_rdf_formats(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/")
    set_query(browser, "CONSTRUCT WHERE { <https://w3id.org/r2pkg/id/pillar/1> ?p ?o }")
    WebDriverWait(browser, 5).until(lambda d: [a.get_attribute("data-format") for a in
                                              d.find_elements(By.CSS_SELECTOR, "#downloads a")]
                                    == ["turtle", "jsonld", "ntriples"])


def test_blank_nodes_read_as_such_and_wide_tables_stay_on_the_page(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/")
    set_query(browser, "SELECT ?s ?citation WHERE { ?s r2p:evidence ?citation } LIMIT 5")
    browser.find_element(By.ID, "run").click()
    wait_for(browser, "#results-table")
    cells = browser.find_elements(By.CSS_SELECTOR, "#results-table td.bnode")
    assert len(cells) == 5 and all(c.text == "(blank node)" for c in cells)
    browser.get(live_server + "/queries/citator")
    wait_for(browser, "#saved-results")
    WebDriverWait(browser, 5).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'"


@pytest.fixture(scope="module")
def csp_server(oxigraph_store):
    """The app behind the strict policy the issue-12 work adds: same origin, no inline script or style."""
    from r2pkg.web import create_app

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 10.0}, store=oxigraph_store)

    @app.after_request
    def strict(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    yield from _serve(app)


def _serve(app):
    """A waitress server for ``app`` on a free loopback port, for the time of a module."""
    from conftest import serving

    for server in serving(app):
        yield f"http://127.0.0.1:{server.effective_port}"


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def capped_server(request):
    """The app with answers cut at 120 rows, so a cheap query is truncated even on a loaded machine."""
    from conftest import loaded

    from r2pkg.web import create_app

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 20.0, "MAX_RESULT_ROWS": 120}, store=loaded(request.param))
    yield from _serve(app)


def test_editor_and_pictures_work_under_a_strict_content_security_policy(browser, csp_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push("
        "e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));")})
    browser.get(csp_server + "/")
    type_query(browser, "SELECT ?c WHERE { ?c a r2p:Cas")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cm-tooltip-autocomplete li"))
    browser.find_element(By.ID, "run").click()
    wait_for(browser, "#query-status")
    WebDriverWait(browser, 10).until(lambda d: "ms" in d.find_element(By.ID, "query-status").text
                                     or d.find_element(By.ID, "query-error").is_displayed())
    editor_violations = browser.execute_script("return window.__violations")
    browser.get(csp_server + "/chain?node=mandate:special-adviser-prevention-of-genocide")
    rect = wait_for(browser, "#chain-picture svg rect.root")
    assert rect.value_of_css_property("fill") == "rgb(227, 241, 227)"  # styled from style.css
    page_violations = browser.execute_script("return window.__violations")
    assert editor_violations == [] and page_violations == [], (editor_violations, page_violations)


def test_a_shared_link_with_a_javascript_iri_shows_text_not_a_link(browser, live_server):
    import urllib.parse

    from selenium.webdriver.common.by import By

    query = 'SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <https://example.org/x> } }'
    browser.get(live_server + "/?query=" + urllib.parse.quote(query) + "#editor")
    browser.find_element(By.ID, "run").click()
    table = wait_for(browser, "#results-table")
    assert "javascript:alert(1)" in table.text
    hrefs = [a.get_attribute("href") for a in table.find_elements(By.TAG_NAME, "a")]
    assert hrefs == ["https://example.org/x"]
