"""Headless Debian Chromium driven by Playwright (no browser download: the system one)."""

import os
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


def system_requirement(package: str, present: bool) -> None:
    """Skip a test whose Debian package is missing, naming it; under CI that is a failure."""
    if present:
        return
    message = f"needs the Debian package {package} (scripts/system-packages installs it as root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    system_requirement("chromium", Path(CHROMIUM).exists())
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread until the session
    # ends; Django would then refuse every ORM call of later tests (fixtures, flushes,
    # test-database setup), which are plain synchronous code all the same.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # Playwright gives each launch a fresh temporary profile.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
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


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot lands in test-artifacts/ on failure."""
    # English unless a test asks for another language (the README's pictures are English).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report


def screenshot(page, name: str) -> Path:
    """Save a named screenshot to look at (test-artifacts/<name>.png)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
