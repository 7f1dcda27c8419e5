"""The session slot a value shown once waits in between the POST that makes it and the
GET page that shows it."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from apps.core import session_values
from console import shown_once
from console.shown_once import SESSION_KEY, shown_once_hold, shown_once_pop

SECRET = "mpk_0123456789ab_the-secret-part"


@pytest.fixture
def request_(db):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_the_value_comes_out_once(request_):
    shown_once_hold(request_, slot="api_key:1", value=SECRET)

    assert shown_once_pop(request_, slot="api_key:1") == SECRET
    assert shown_once_pop(request_, slot="api_key:1") is None
    assert SESSION_KEY not in request_.session


def test_it_is_encrypted_in_the_stored_session(request_):
    shown_once_hold(request_, slot="api_key:1", value=SECRET)
    request_.session.save()

    stored = SessionStore(session_key=request_.session.session_key)

    assert SESSION_KEY in stored
    assert SECRET not in str(dict(stored.items()))
    assert shown_once_pop(request_, slot="api_key:1") == SECRET


def test_slots_wait_side_by_side(request_):
    shown_once_hold(request_, slot="api_key:1", value="first")
    shown_once_hold(request_, slot="api_key:2", value="second")

    assert shown_once_pop(request_, slot="api_key:2") == "second"
    assert shown_once_pop(request_, slot="api_key:1") == "first"


def test_another_slot_gets_nothing(request_):
    shown_once_hold(request_, slot="install_link:1", value=SECRET)

    assert shown_once_pop(request_, slot="install_link:2") is None
    assert shown_once_pop(request_, slot="install_link:1") == SECRET


def test_holding_again_replaces_the_value(request_):
    shown_once_hold(request_, slot="app_secret:x", value="old")
    shown_once_hold(request_, slot="app_secret:x", value="new")

    assert shown_once_pop(request_, slot="app_secret:x") == "new"
    assert shown_once_pop(request_, slot="app_secret:x") is None


def test_a_value_never_fetched_expires(request_, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(session_values.time, "time", lambda: clock[0])
    shown_once_hold(request_, slot="api_key:1", value=SECRET)
    shown_once_hold(request_, slot="api_key:2", value="later")

    clock[0] += shown_once.MAX_AGE

    assert shown_once_pop(request_, slot="api_key:1") is None
    # Expired values are dropped from the session, not only refused.
    assert SESSION_KEY not in request_.session


def test_a_value_encrypted_under_a_retired_key_is_not_shown(request_, settings):
    settings.ENCRYPTION_KEYS = ["first-key-material-that-is-long-enough"]
    shown_once_hold(request_, slot="api_key:1", value=SECRET)
    settings.ENCRYPTION_KEYS = ["second-key-material-that-is-long-enough"]

    assert shown_once_pop(request_, slot="api_key:1") is None
