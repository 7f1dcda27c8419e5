"""The connector's OAuth helpers: PKCE, the pending-state store, the authorize URL and
its configuration."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlparse

import pytest

from examples.connector.config import Config, ConfigError, load_config, masked
from examples.connector.oauth import StateStore, authorize_url, pkce_challenge, pkce_pair


def config(**overrides) -> Config:
    values = {
        "marketplace_url": "http://127.0.0.1:8000",
        "client_id": "client-1",
        "client_secret": "s3cret-value-long",
        "host": "localhost",
        "port": 8001,
        "public_url": "http://localhost:8001",
        "token_file": "/nonexistent/tokens.json",
    }
    values.update(overrides)
    return Config(**values)


def test_pkce_challenge_matches_rfc_7636_appendix_b():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_pkce_pair_is_a_fresh_s256_pair():
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    assert re.fullmatch(r"[A-Za-z0-9\-._~]+", verifier)
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert challenge == digest.decode()
    assert "=" not in challenge
    assert pkce_pair()[0] != verifier


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_state_is_handed_back_once_to_the_browser_that_started():
    store = StateStore()
    pending = store.begin("browser-a")
    assert store.finish("browser-b", pending.state) is None
    assert store.finish("browser-a", "another-state") is None
    assert store.finish("browser-a", pending.state) == pending
    assert store.finish("browser-a", pending.state) is None


def test_each_authorization_gets_its_own_state_and_verifier():
    store = StateStore()
    first, second = store.begin("browser-a"), store.begin("browser-a")
    assert first.state != second.state
    assert first.verifier != second.verifier
    assert store.finish("browser-a", second.state) == second
    assert store.finish("browser-a", first.state) == first


def test_state_expires():
    clock = Clock()
    store = StateStore(ttl=600, clock=clock)
    late = store.begin("browser-a")
    on_time = store.begin("browser-b")
    clock.now += 601
    assert store.finish("browser-a", late.state) is None
    # expiry also drops what was never answered
    assert store._pending == {}
    fresh = store.begin("browser-b")
    clock.now += 599
    assert store.finish("browser-b", fresh.state) == fresh
    assert store.finish("browser-b", on_time.state) is None


def test_authorize_url_asks_for_the_whole_grant_with_state_and_s256():
    store = StateStore()
    pending = store.begin("browser-a")
    url = urlparse(authorize_url(config(), pending))
    assert (url.scheme, url.netloc, url.path) == ("http", "127.0.0.1:8000", "/oauth/authorize/")
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {
        "client_id": "client-1",
        "response_type": "code",
        "redirect_uri": "http://localhost:8001/oauth/callback",
        "state": pending.state,
        "code_challenge": pkce_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    assert "scope" not in query
    assert pending.verifier not in url.query


def test_config_from_file_with_the_environment_over_it(tmp_path):
    path = tmp_path / "example-app.json"
    path.write_text(
        '{"client_id": "from-file", "client_secret": "file-secret", '
        '"marketplace_url": "http://127.0.0.1:8000/", "unknown": 1}'
    )
    loaded = load_config(
        {"CONNECTOR_CONFIG": str(path), "CONNECTOR_CLIENT_ID": "from-env", "CONNECTOR_PORT": "9001"}
    )
    assert loaded.client_id == "from-env"
    assert loaded.client_secret == "file-secret"
    assert loaded.marketplace_url == "http://127.0.0.1:8000"
    assert loaded.port == 9001
    assert loaded.redirect_uri == "http://localhost:9001/oauth/callback"


def test_config_names_what_is_missing_or_wrong(tmp_path):
    missing = {"CONNECTOR_CONFIG": str(tmp_path / "absent.json")}
    with pytest.raises(ConfigError, match=r"client_id \(CONNECTOR_CLIENT_ID\).*client_secret"):
        load_config(missing)
    base = {**missing, "CONNECTOR_CLIENT_ID": "c", "CONNECTOR_CLIENT_SECRET": "s"}
    with pytest.raises(ConfigError, match=r"port \(CONNECTOR_PORT\) must be a number"):
        load_config({**base, "CONNECTOR_PORT": "eighty"})
    with pytest.raises(ConfigError, match=r"marketplace_url"):
        load_config({**base, "CONNECTOR_MARKETPLACE_URL": "ftp://x"})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ConfigError, match="not readable JSON"):
        load_config({"CONNECTOR_CONFIG": str(broken)})


def test_masked_never_shows_a_secret_in_full():
    secret = "abcdefghijklmnopqrstuvwxyz"
    assert masked(secret) == "abcd…"
    assert masked("short") == "…"
    assert masked("") == ""
