"""Production settings refuse insecure configuration, and a secure one passes
``manage.py check --deploy`` without a single warning.

Each case runs ``manage.py`` in a fresh process: the settings module raises at import.
"""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]

# Configuration the parent process may carry that would leak into the child.
INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "SECRET_PEPPER",
    "WEBHOOK_SIGNING_KEY",
    "ALLOWED_HOSTS",
    "OAUTH_ISSUER",
    "DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "CONN_MAX_AGE",
    "CONN_HEALTH_CHECKS",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_WRITE_URL",
    "CELERY_FILESYSTEM_DIR",
    "TEST_SQLITE_PATH",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "CSRF_TRUSTED_ORIGINS",
    "STATIC_ROOT",
    "MEDIA_ROOT",
)


def webhook_key(size: int = 32) -> str:
    return "whsk_" + base64.b64encode(secrets.token_bytes(size)).decode()


@pytest.fixture
def secure_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="marketplace.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SECRET_PEPPER=secrets.token_urlsafe(48),
        ENCRYPTION_KEYS=secrets.token_urlsafe(32),
        WEBHOOK_SIGNING_KEY=webhook_key(),
        ALLOWED_HOSTS="market.example.com",
        OAUTH_ISSUER="https://market.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        # Nothing connects to it during the checks.
        CACHE_URL="redis://127.0.0.1:6379/0",
        CELERY_FILESYSTEM_DIR=str(tmp_path / "broker"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_secure_configuration_passes_check_deploy(secure_env):
    result = check_deploy(secure_env)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_missing_secret_key_is_refused(secure_env, value):
    if value is None:
        del secure_env["SECRET_KEY"]
    else:
        secure_env["SECRET_KEY"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_missing_encryption_keys_are_refused(secure_env):
    del secure_env["ENCRYPTION_KEYS"]

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ENCRYPTION_KEYS must list at least one key" in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("SECRET_KEY", "django-insecure-" + secrets.token_urlsafe(64)),
        ("SECRET_KEY", secrets.token_urlsafe(20)),
        ("SECRET_KEY", "ab" * 40),
        ("SECRET_PEPPER", secrets.token_urlsafe(16)),
        ("SECRET_PEPPER", "django-insecure-" + secrets.token_urlsafe(48)),
    ],
    ids=[
        "insecure-prefix",
        "short-key",
        "few-distinct-characters",
        "short-pepper",
        "insecure-pepper",
    ],
)
def test_weak_secrets_are_refused(secure_env, name, value):
    secure_env[name] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} is insecure" in result.stderr
    assert value not in result.stderr + result.stdout


@pytest.mark.parametrize("value", [None, "", "  "], ids=["missing", "empty", "blank"])
def test_missing_webhook_signing_key_is_refused(secure_env, value):
    if value is None:
        del secure_env["WEBHOOK_SIGNING_KEY"]
    else:
        secure_env["WEBHOOK_SIGNING_KEY"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: WEBHOOK_SIGNING_KEY is not set" in result.stderr
    # It says how to make one.
    assert "secrets.token_bytes(32)" in result.stderr
    assert "'whsk_' + base64.b64encode(" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        webhook_key()[len("whsk_") :],
        webhook_key(16),
        "whsk_" + secrets.token_urlsafe(40) + "!",
        "whsk_" + secrets.token_hex(16),
    ],
    ids=["no-prefix", "short", "not-base64", "hex"],
)
def test_a_malformed_webhook_signing_key_is_refused_without_echoing_it(secure_env, value):
    secure_env["WEBHOOK_SIGNING_KEY"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: WEBHOOK_SIGNING_KEY is malformed" in result.stderr
    assert value not in result.stderr + result.stdout


def test_the_webhook_signing_key_is_the_configured_one_not_derived(secure_env):
    script = "from apps.webhooks.signing import platform_public_key; print(platform_public_key())"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=secure_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    seed = base64.b64decode(secure_env["WEBHOOK_SIGNING_KEY"].removeprefix("whsk_"))
    raw = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert result.stdout.strip().splitlines()[-1] == "whpk_" + base64.b64encode(raw).decode()


def test_missing_pepper_is_refused(secure_env):
    del secure_env["SECRET_PEPPER"]

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_PEPPER is not set" in result.stderr


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_debug_is_refused(secure_env, value):
    secure_env["DEBUG"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG must be off in production" in result.stderr


@pytest.mark.parametrize("value", ["*", "market.example.com,*", ""], ids=["star", "list", "empty"])
def test_wildcard_or_missing_allowed_hosts_is_refused(secure_env, value):
    secure_env["ALLOWED_HOSTS"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS must list the host names" in result.stderr


def test_unset_allowed_hosts_is_refused(secure_env):
    del secure_env["ALLOWED_HOSTS"]

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "http://market.example.com",
        "https://market.example.com/oauth",
        "https://market.example.com?tenant=1",
        "https://market.example.com#top",
        "https://user@market.example.com",
        "market.example.com",
        "https://",
    ],
    ids=["unset", "empty", "http", "path", "query", "fragment", "userinfo", "no-scheme", "no-host"],
)
def test_an_oauth_issuer_that_is_not_an_https_base_url_is_refused(secure_env, value):
    if value is None:
        del secure_env["OAUTH_ISSUER"]
    else:
        secure_env["OAUTH_ISSUER"] = value

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: OAUTH_ISSUER must be the marketplace's public https" in (
        result.stderr
    )


def test_the_oauth_issuer_is_the_configured_one(secure_env):
    secure_env["OAUTH_ISSUER"] = "https://market.example.com/"

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from oauth2_provider.settings import oauth2_settings as o; "
            "print(settings.OAUTH_ISSUER, o.OIDC_ISS_ENDPOINT)",
        ],
        cwd=ROOT,
        env=secure_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["https://market.example.com"] * 2


def test_disabling_https_redirect_fails_the_deploy_check(secure_env):
    secure_env["SECURE_SSL_REDIRECT"] = "0"

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


# --- the shared cache of rate limits, persistent database connections ------------------------


@pytest.mark.parametrize(
    "cache_url",
    [None, "locmemcache://marketplace", "dummycache://", "filecache:///tmp/marketplace-cache"],
    ids=["unset", "locmem", "dummy", "file"],
)
def test_a_cache_not_shared_by_every_web_process_is_refused(secure_env, cache_url):
    if cache_url is None:
        del secure_env["CACHE_URL"]
    else:
        secure_env["CACHE_URL"] = cache_url

    result = check_deploy(secure_env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: The cache is " in result.stderr
    assert "API rate limits need a cache every web process shares" in result.stderr
    assert "Set REDIS_URL (or CACHE_URL) to a Redis server" in result.stderr


def test_redis_url_alone_gives_the_shared_cache(secure_env):
    del secure_env["CACHE_URL"]
    secure_env["REDIS_URL"] = "redis://127.0.0.1:6379/0"

    assert database_and_cache(secure_env)["cache"] == "django.core.cache.backends.redis.RedisCache"


def database_and_cache(env: dict[str, str]) -> dict[str, object]:
    script = (
        "import json; from django.conf import settings; db = settings.DATABASES['default']; "
        "print(json.dumps({'max_age': db['CONN_MAX_AGE'], "
        "'health_checks': db['CONN_HEALTH_CHECKS'], "
        "'cache': settings.CACHES['default']['BACKEND']}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_connections_persist_with_health_checks_by_default(secure_env):
    settings = database_and_cache(secure_env)

    assert settings["max_age"] == 60
    assert settings["health_checks"] is True


@pytest.mark.parametrize(
    "variables, url_options, expected",
    [
        ({"CONN_MAX_AGE": "0"}, "", (0, True)),
        ({"CONN_MAX_AGE": "300", "CONN_HEALTH_CHECKS": "0"}, "", (300, False)),
        ({"CONN_MAX_AGE": "300"}, "?conn_max_age=15", (15, True)),
    ],
    ids=["closed-each-request", "variables", "url-wins"],
)
def test_database_connection_settings_follow_the_environment(
    secure_env, variables, url_options, expected
):
    secure_env.update(variables)
    secure_env["DATABASE_URL"] += url_options

    settings = database_and_cache(secure_env)

    assert (settings["max_age"], settings["health_checks"]) == expected
