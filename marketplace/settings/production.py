"""Production settings: no insecure defaults.

The process refuses to start when SECRET_KEY is missing or weak, when WEBHOOK_SIGNING_KEY
is missing or malformed, or when the cache is not one every web process shares, and the
configuration passes ``manage.py check --deploy`` without warnings.
"""

import base64
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from marketplace.settings.base import *  # noqa: F403
from marketplace.settings.base import BASE_DIR, CACHES, DATABASES, env

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (unset DEBUG or set DEBUG=0).")

_INSECURE_PREFIX = "django-insecure"


def _require_secret(name: str, *, min_length: int, min_unique: int) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Generate one with: python -c "
            '"import secrets; print(secrets.token_urlsafe(64))"'
        )
    if (
        value.startswith(_INSECURE_PREFIX)
        or len(value) < min_length
        or len(set(value)) < min_unique
    ):
        raise ImproperlyConfigured(
            f"{name} is insecure: use at least {min_length} random characters "
            f"with at least {min_unique} different ones, not a 'django-insecure' key."
        )
    return value


SECRET_KEY = _require_secret("SECRET_KEY", min_length=50, min_unique=5)
SECRET_PEPPER = _require_secret("SECRET_PEPPER", min_length=32, min_unique=5)
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
if not ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "ENCRYPTION_KEYS must list at least one key for secret setting values, newest first "
        "(generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )

# The platform's ed25519 key for the v1a signature of every webhook delivery. Receivers pin
# its public part, so it is set on its own rather than derived from SECRET_KEY (a laptop and
# the tests derive it): rotating SECRET_KEY must not change it.
WEBHOOK_SIGNING_KEY = env.str("WEBHOOK_SIGNING_KEY", default="").strip()
_WEBHOOK_KEY_HINT = (
    'Generate one with: python -c "import base64, secrets; '
    "print('whsk_' + base64.b64encode(secrets.token_bytes(32)).decode())\" "
    "(docs/operations.md tells how to keep the key derived from SECRET_KEY until now)."
)
if not WEBHOOK_SIGNING_KEY:
    raise ImproperlyConfigured(
        "WEBHOOK_SIGNING_KEY is not set: the platform's ed25519 key that signs webhook "
        f"deliveries (v1a), whose public part receivers pin. {_WEBHOOK_KEY_HINT}"
    )
try:
    _webhook_seed = base64.b64decode(WEBHOOK_SIGNING_KEY.removeprefix("whsk_"), validate=True)
except ValueError:
    _webhook_seed = b""
if not WEBHOOK_SIGNING_KEY.startswith("whsk_") or len(_webhook_seed) != 32:
    raise ImproperlyConfigured(
        "WEBHOOK_SIGNING_KEY is malformed: it must be whsk_ followed by the base64 of 32 "
        f"random bytes. {_WEBHOOK_KEY_HINT}"
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site answers to.")

# The OAuth issuer (RFC 8414, RFC 9207) apps check every authorization response against:
# configured, never taken from a request's Host header.
OAUTH_ISSUER = env.str("OAUTH_ISSUER", default="").strip().rstrip("/")
try:
    _issuer = urlsplit(OAUTH_ISSUER)
    _issuer_ok = bool(
        _issuer.scheme == "https"
        and _issuer.hostname
        and _issuer.port != 0
        and not (_issuer.path or _issuer.query or _issuer.fragment or _issuer.username)
    )
except ValueError:
    _issuer_ok = False
if not _issuer_ok:
    raise ImproperlyConfigured(
        f"OAUTH_ISSUER must be the marketplace's public https base URL, with no path, query "
        f"or fragment, e.g. OAUTH_ISSUER=https://market.example.com (got {OAUTH_ISSUER!r})."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

# API rate limits count in the cache, atomically (apps.core.ratelimit). A cache of each
# process counts each web process apart (four gunicorn workers let four times the limit
# through); file and database caches increment by get-then-set, which is not atomic.
_UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "process memory, one count per process",
    "django.core.cache.backends.dummy.DummyCache": "no cache at all, nothing is counted",
    "django.core.cache.backends.filebased.FileBasedCache": "files, counted without atomicity",
    "django.core.cache.backends.db.DatabaseCache": "a table, counted without atomicity",
}
_cache_backend = CACHES["default"]["BACKEND"]
if _cache_backend in _UNSHARED_CACHES:
    raise ImproperlyConfigured(
        f"The cache is {_UNSHARED_CACHES[_cache_backend]} ({_cache_backend}): API rate "
        "limits need a cache every web process shares. Set REDIS_URL (or CACHE_URL) to a "
        "Redis server, e.g. CACHE_URL=redis://redis:6379/1."
    )

# One database connection per web process, kept between requests: opening one per request
# costs about 40% of the throughput under load. The health check replaces a connection the
# server closed (restart, idle timeout) before a request uses it. As in every environment,
# a ?conn_max_age= in DATABASE_URL wins over CONN_MAX_AGE.
_database_url = env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES["default"]["CONN_MAX_AGE"] = _database_url.get(
    "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
