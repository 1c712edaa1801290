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
    area = browser.find_element(By.ID, "query")
    area.clear()
    area.send_keys("SELECT * WHERE {\n?s ?p\n}")
    browser.find_element(By.ID, "run").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "query-error").is_displayed())
    assert "line 2" in browser.find_element(By.ID, "query-error").text


def test_a_saved_query_runs_and_links_to_resources(browser, live_server):
    from selenium.webdriver.common.by import By

    browser.get(live_server + "/queries")
    first = browser.find_element(By.CSS_SELECTOR, "dl.queries dt a")
    first.click()
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
