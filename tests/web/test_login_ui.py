"""The login page in headless Chromium: a wrong password is refused, `next` only leads within the site,
the session cookie is out of JavaScript's reach while the CSRF cookie is not, a generated password must
be changed, and logging out ends the session. (One failed login only: the live server is shared and
counts failures per address.)"""

from __future__ import annotations

from typing import Any

import pytest

from khronika.store import accounts as acc

# Users of these tests only (the live server's shared users belong to the other browser tests).
PASSWORDS = {"ui-viewer": "ui viewer passphrase", "ui-analyst": "ui analyst passphrase"}


@pytest.fixture(scope="module", autouse=True)
def _users(live_server: Any) -> None:
    store = live_server.store()
    try:
        for name, password in PASSWORDS.items():
            if acc.get_user(store, name) is None:
                acc.create_user(store, name, name.removeprefix("ui-"), password, actor="test")
    finally:
        store.close()


def _submit(page: Any, name: str, password: str) -> None:
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")


def test_login_next_cookies_logout(page: Any, live_server: Any, shot: Any) -> None:
    page.goto("/login?next=//example.org/steal")
    _submit(page, "ui-viewer", "not the password")
    error = page.locator("#login-error")
    error.wait_for(state="visible")
    assert "Wrong name or password" in error.inner_text()
    assert page.context.cookies() == []
    shot(page, "login-error")
    with page.expect_navigation():
        _submit(page, "ui-viewer", PASSWORDS["ui-viewer"])
    assert page.url.rstrip("/") == live_server.url  # "//example.org" is another site: go home instead
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["khronika_session"]["httpOnly"] and cookies["khronika_session"]["sameSite"] == "Strict"
    assert not cookies["khronika_csrf"]["httpOnly"]
    seen_by_js = page.evaluate("document.cookie")
    assert "khronika_csrf=" in seen_by_js and "khronika_session" not in seen_by_js
    me = page.evaluate("fetch('/api/auth/me').then(r => r.json())")
    assert me["name"] == "ui-viewer" and me["role"] == "viewer"
    with page.expect_navigation():
        page.click("[data-logout]")
    assert "/login" in page.url
    status = page.evaluate("fetch('/api/auth/me').then(r => r.status)")
    assert status == 401
    assert page.errors == []


def test_next_within_the_site(page: Any, live_server: Any) -> None:
    page.goto("/login?next=/board")
    with page.expect_navigation():
        _submit(page, "ui-analyst", PASSWORDS["ui-analyst"])
    assert page.url == live_server.url + "/board"


def test_generated_password_must_be_changed(page: Any, live_server: Any, shot: Any) -> None:
    store = live_server.store()
    try:
        generated = acc.new_password()
        acc.create_user(store, "newcomer", "viewer", generated, must_change=True, actor="test")
    finally:
        store.close()
    page.goto("/login")
    _submit(page, "newcomer", generated)
    form = page.locator("#password-form")
    form.wait_for(state="visible")
    shot(page, "login-change-password")
    page.fill("#pw-new", "the newcomer's own passphrase")
    with page.expect_navigation():
        page.click("#password-form button[type=submit]")
    me = page.evaluate("fetch('/api/auth/me').then(r => r.json())")
    assert me["name"] == "newcomer" and me["must_change"] is False
    store = live_server.store()
    try:
        assert acc.authenticate(store, "newcomer", generated) is None
        assert acc.authenticate(store, "newcomer", "the newcomer's own passphrase") is not None
    finally:
        store.close()
    assert page.errors == []
