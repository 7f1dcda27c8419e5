"""Browser journeys: Playwright driving Debian's Chromium, headless, against a live server.

They run wherever a Chromium is found (``chromium`` on PATH, or ``CHROMIUM_PATH``) and
are skipped, with a plain note at the end of the run, where none is.
"""

import os
import shutil

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)
SKIP_REASON = (
    "Chromium not found: browser journeys skipped. Install Debian's chromium package "
    "(apt-get install chromium) or set CHROMIUM_PATH to run them."
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests
    # make around it are still synchronous. Only for these tests, and undone after them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _connector_credentials_elsewhere(monkeypatch, tmp_path):
    """The demo command writes the Example Connector's credentials for ``serve``; a journey's
    throwaway database must not overwrite the ones of the developer's own demo."""
    monkeypatch.setenv("CONNECTOR_CONFIG", str(tmp_path / "example-app.json"))


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page, password):
    """``sign_in(user)``: log in through the login form, as a person would."""

    def do(user) -> None:
        page.goto("/login/")
        page.get_by_label("E-mail").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

    return do
