"""A whole workshop in a real browser: headless Chromium (Debian's, driven through its
chromedriver by Selenium, which downloads nothing) against a real `brm serve` of the installed
`brm`. An organization and two units are created, their questions answered, the level seen
changing live (without a page load), the ``??`` of a question opened, a what-if tried (and not
saved), the report downloaded. The pages' ids are those web/pages.py documents. Skipped without
Chromium or its driver, except on CI (``CI`` set), which installs both (.ci/run)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait
from served import Served, served

from brm_advisor.engine.present.pdf import find_chromium

pytestmark = pytest.mark.installed
WAIT = 30.0
"""Seconds a page may take to show what the test waits for (a bound, not a measure)."""
DRIVER = "/usr/bin/chromedriver"


def _browser_or_skip() -> tuple[str, str]:
    chromium = find_chromium()
    driver = DRIVER if os.access(DRIVER, os.X_OK) else shutil.which("chromedriver")
    if chromium is None or driver is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs chromium and chromium-driver (see .ci/run); "
                        f"found chromium={chromium}, chromedriver={driver}")
        pytest.skip("no headless Chromium with its chromedriver on this machine")
    return chromium, driver


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[Callable[[str], WebDriver]]:
    """Start a browser of its own (profile, downloads under tmp_path/NAME): quit at the end."""
    chromium, driver_path = _browser_or_skip()
    started: list[WebDriver] = []

    def start(name: str) -> WebDriver:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--disable-background-networking", "--disable-gpu",
                         "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,1600",
                         f"--user-data-dir={tmp_path / name / 'profile'}"):
            options.add_argument(argument)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            options.add_argument("--no-sandbox")  # Chromium will not start sandboxed as root
        downloads = tmp_path / name / "downloads"
        downloads.mkdir(parents=True)
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads), "download.prompt_for_download": False})
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        started.append(driver)
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(downloads)})
        return driver

    try:
        yield start
    finally:
        for driver in started:
            driver.quit()


def wait_for(driver: WebDriver, what: str, condition: Callable[[WebDriver], object]) -> object:
    """`condition`'s first truthy value within WAIT seconds (the page's parts are swapped as
    answers are saved: a part gone meanwhile is looked up again)."""
    return WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(
            condition, f"{what} (within {WAIT:g} s)")


def text_of(driver: WebDriver, element_id: str) -> str:
    """An element's text (looked up again when it was swapped out while being read)."""
    for _ in range(20):
        try:
            return str(driver.find_element(By.ID, element_id).text)
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"#{element_id} kept being replaced while read")


def level_shows(text: str) -> Callable[[WebDriver], bool]:
    return lambda driver: text in text_of(driver, "level")


def start_unit(driver: WebDriver, server: Served, organization: str, unit: str) -> str:
    """The index's form filled from the keyboard and sent: the new unit's page address."""
    driver.get(server.base + "/")
    driver.find_element(By.ID, "new-organization").send_keys(organization)
    driver.find_element(By.ID, "new-unit-name").send_keys(unit)
    Select(driver.find_element(By.ID, "new-pack")).select_by_value("merlyn-brm")
    driver.find_element(By.ID, "new-unit-go").click()
    wait_for(driver, f"the page of {unit}",
             lambda d: d.find_element(By.TAG_NAME, "h1").text == f"{organization}: {unit}")
    assert "/units/" in driver.current_url
    return driver.current_url.split("#")[0]


def choose(driver: WebDriver, field_id: str, value: str) -> None:
    """An answer chosen in a select (saved on change by the page's script)."""
    Select(driver.find_element(By.ID, field_id)).select_by_value(value)


def tick(driver: WebDriver, *checkbox_ids: str) -> None:
    for checkbox in checkbox_ids:
        driver.find_element(By.ID, checkbox).click()


def marked(driver: WebDriver) -> None:
    """A mark on the window that a page load would wipe out."""
    driver.execute_script("window.brmSamePage = true;")


def still_marked(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return window.brmSamePage === true;"))


def test_a_whole_workshop_in_headless_chromium(browsers, tmp_path):
    browser = browsers("one")
    with served(tmp_path / "history.sqlite") as server:
        retail = start_unit(browser, server, "Globex", "Retail")
        answer_retail(browser)
        why_and_whatif(browser, retail)
        download_the_report(browser, tmp_path / "one" / "downloads")
        wholesale = start_unit(browser, server, "Globex", "Wholesale")
        assert wholesale != retail
        answer_wholesale(browser)
        the_organization_and_the_portfolio(browser, server)


def answer_retail(driver: WebDriver) -> None:
    """The required answers one by one: no level until the last, then the level, then a
    higher one, all on the same page (saved as given, the diagnosis swapped in)."""
    assert "No level yet" in text_of(driver, "level")
    assert "How does the business engage" in text_of(driver, "missing")
    marked(driver)
    name = driver.find_element(By.ID, "f-respondent-name")
    name.send_keys("Dana Reyes", Keys.TAB)  # from the keyboard: saved on leaving the field
    choose(driver, "f-brm-formal_role", "yes")
    choose(driver, "f-engagement-mode", "advisory")
    choose(driver, "f-engagement-prioritization", "business_priorities")
    tick(driver, "f-engagement-lifecycle-2", "f-engagement-lifecycle-4")  # planning, delivery
    assert "No level yet" in text_of(driver, "level")
    tick(driver, "f-measures-1", "f-measures-2")  # satisfaction, service levels
    wait_for(driver, "the level once the last required answer is given",
             level_shows("Order Taker"))
    tick(driver, "f-measures-3")  # business value: the advisor's measure
    wait_for(driver, "the level raised by one more answer", level_shows("Advisor"))
    assert still_marked(driver), "the level changed by a page load, not live"
    assert "level 3 of" in text_of(driver, "level")


def why_and_whatif(driver: WebDriver, unit: str) -> None:
    """?? on a question, then a what-if: before and after shown, nothing saved."""
    marked(driver)
    driver.find_element(By.ID, "f-measures-why").click()
    wait_for(driver, "the ?? panel", lambda d: "What each answer would change" in text_of(
        d, "why"))
    wait_for(driver, "the focus on the ?? panel", lambda d: d.switch_to.active_element
             .get_attribute("id") == "why")  # where a keyboard or screen reader user lands
    panel = text_of(driver, "why")
    assert "measures of success" in panel.lower()
    assert "business_value" in panel
    Select(driver.find_element(By.ID, "whatif-path")).select_by_value("measures")
    field = driver.find_element(By.ID, "whatif-value")
    field.clear()
    field.send_keys("[satisfaction, service_levels]")
    driver.find_element(By.ID, "whatif-go").click()
    wait_for(driver, "the what-if's before and after", lambda d: "Order Taker" in text_of(
        d, "whatif-after"))
    assert "Advisor" in text_of(driver, "whatif-before")
    assert still_marked(driver), "?? and what-if loaded the page again"
    driver.get(unit)  # nothing of the what-if was saved
    assert "Advisor" in text_of(driver, "level")
    assert driver.find_element(By.ID, "f-measures-3").is_selected()


def download_the_report(driver: WebDriver, downloads: Path) -> None:
    """The Markdown report downloaded; the HTML report opened (brm report's page)."""
    driver.find_element(By.ID, "report-md").click()
    # Chromium writes a download under another name, renamed when complete
    found = wait_for(driver, "the Markdown report in the downloads", lambda d: [
        p for p in downloads.glob("*.md") if p.stat().st_size > 0])
    assert isinstance(found, list) and found[0].name.endswith(".md")
    report = found[0].read_text(encoding="utf-8")
    assert "Globex" in report and "Advisor" in report
    html = driver.find_element(By.ID, "report-html").get_attribute("href")
    assert html
    driver.get(html)
    wait_for(driver, "the HTML report", lambda d: "Globex" in d.title or "Globex" in
             d.find_element(By.TAG_NAME, "h1").text)
    assert "Advisor" in driver.find_element(By.TAG_NAME, "body").text
    driver.back()


def answer_wholesale(driver: WebDriver) -> None:
    """The second unit: 'none of these' for the lists, the lowest level."""
    marked(driver)
    choose(driver, "f-brm-formal_role", "no")
    choose(driver, "f-engagement-mode", "reactive")
    choose(driver, "f-engagement-prioritization", "loudest_voice")
    tick(driver, "f-engagement-lifecycle-none", "f-measures-none")
    wait_for(driver, "the second unit's level", level_shows("Ad hoc"))
    assert still_marked(driver)


def the_organization_and_the_portfolio(driver: WebDriver, server: Served) -> None:
    """The index lists the organization with both units (and the respondent); the portfolio
    shows each unit's level."""
    driver.get(server.base + "/")
    organizations = text_of(driver, "organizations")
    assert "Globex" in organizations
    assert "Retail" in organizations and "Wholesale" in organizations
    assert "Dana Reyes" in organizations  # the answer typed and left was saved
    driver.get(server.base + "/portfolio")
    levels = text_of(driver, "levels")
    rows = levels.splitlines()
    assert any("Retail" in row and "Advisor (3)" in row for row in rows), levels
    assert any("Wholesale" in row and "Ad hoc (1)" in row for row in rows), levels


def selected(driver: WebDriver, field_id: str) -> str:
    return str(Select(driver.find_element(By.ID, field_id)).first_selected_option
               .get_attribute("value"))


def saved(field_id: str) -> Callable[[WebDriver], bool]:
    return lambda driver: "Saved." in text_of(driver, f"{field_id}-status")


def test_two_browsers_on_one_unit_never_overwrite_each_other(browsers, tmp_path):
    """The second browser's answer to a question the first changed meanwhile is not saved:
    it is shown both values and may keep its own, knowingly; its answer to another question
    is merged."""
    first, second = browsers("first"), browsers("second")
    with served(tmp_path / "history.sqlite") as server:
        unit = start_unit(first, server, "Initech", "Finance")
        second.get(unit)
        marked(second)
        choose(first, "f-engagement-mode", "advisory")
        wait_for(first, "the first browser's answer saved", saved("f-engagement-mode"))
        choose(second, "f-engagement-mode", "partnership")  # its page still shows no answer
        wait_for(second, "the conflict shown", lambda d: "Saved meanwhile" in text_of(
            d, "f-engagement-mode-conflict"))
        conflict = text_of(second, "f-engagement-mode-conflict")
        assert "partnership" in conflict and "advisory" in conflict  # both values
        first.get(unit)
        assert selected(first, "f-engagement-mode") == "advisory"  # nothing overwritten
        choose(second, "f-engagement-prioritization", "joint")  # left alone by the first
        wait_for(second, "another question saved", saved("f-engagement-prioritization"))
        second.find_element(By.CSS_SELECTOR, "#f-engagement-mode-conflict button").click()
        wait_for(second, "its own answer kept", saved("f-engagement-mode"))
        assert still_marked(second)
        first.get(unit)
        assert selected(first, "f-engagement-mode") == "partnership"
        assert selected(first, "f-engagement-prioritization") == "joint"
