"""Settings shared by every environment.

Every value that differs between machines comes from the environment (see ``.env.example``);
the defaults here are the laptop defaults: a SQLite file and a Celery broker that needs no
server.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = (
    env("SECRET_KEY", default="") or "django-insecure-local-development-key-never-use-in-production"
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "apps.core.log.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "oauth2_provider",
    "apps.core",
    "apps.accounts",
    "apps.jobs",
    "apps.scopes",
    "apps.catalog",
    "apps.moderation",
    "apps.installations",
    "apps.oauth",
    "apps.lifecycle",
    "apps.connections",
    "apps.embedding",
    "apps.modules",
    "apps.webhooks",
    "apps.api",
    "apps.demo",
    "console",
]

MIDDLEWARE = [
    "apps.core.middleware.HealthCheckMiddleware",
    "apps.core.log.RefusedRequestLogMiddleware",
    "apps.core.middleware.NulCharacterMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.CurrentAccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.console",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while a worker writes; the timeout makes a writer wait
    # for the lock instead of failing at once.
    DATABASES["default"].setdefault(
        "OPTIONS",
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares a statement sent with server-side binding once it has run this many
    # times on a connection. Only the app-token lookup is sent that way
    # (apps.oauth.selectors): the ORM binds on the client and never prepares. Empty: no
    # prepared statement at all, for a transaction-pooling proxy that cannot keep them
    # (PgBouncer before 1.21, or without max_prepared_statements).
    _prepare_threshold = env("DATABASE_PREPARE_THRESHOLD", default="2").strip()
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "prepare_threshold", int(_prepare_threshold) if _prepare_threshold else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every process (rate limits count across web workers): Redis when
# CACHE_URL or REDIS_URL is set, else process memory, which is enough on a laptop.
CACHES = {
    "default": env.cache_url(
        "CACHE_URL", default=env("REDIS_URL", default="") or "locmemcache://marketplace"
    ),
}
CACHES["default"].setdefault("KEY_PREFIX", "marketplace")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Keyed fast hasher for long random machine secrets (OAuth client secrets). It is
    # last so user passwords keep PBKDF2.
    "apps.core.hashers.HMACSHA256PepperHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Key for keyed hashes of machine secrets (client secrets, API keys). Defaults to a value
# derived from SECRET_KEY; set it separately so rotating SECRET_KEY keeps secrets valid.
SECRET_PEPPER = env("SECRET_PEPPER", default="")
# Keys that encrypt secret setting values at rest, newest first: values are encrypted with
# the first and read with any. To rotate, put a new key first, keep the old ones, run
# `manage.py rotate_encryption_keys`, then drop the old keys. Empty: derived from SECRET_KEY.
ENCRYPTION_KEYS = env.list("ENCRYPTION_KEYS", default=[])
# The host product's domain: an account is reached at <slug>.<PRODUCT_DOMAIN>, which is
# the domain embedded apps receive at launch.
PRODUCT_DOMAIN = env("PRODUCT_DOMAIN", default="localhost")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt", "Português"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="marketplace@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less meta tag instead
X_FRAME_OPTIONS = "DENY"

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.ApiKeyAuthentication",
        "apps.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.api.throttling.AnonymousThrottle",
        "apps.api.throttling.PrincipalThrottle",
        "apps.api.throttling.ScopedPrincipalThrottle",
    ],
    # How many proxies in front of the web processes append to X-Forwarded-For: rate
    # limits by address take the address the nearest of them saw. 0: the connection's own
    # address, and a client-written X-Forwarded-For counts for nothing.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anonymous": env("API_THROTTLE_ANONYMOUS", default="60/min"),
        "principal": env("API_THROTTLE_PRINCIPAL", default="1200/min"),
        "manifests": env("API_THROTTLE_MANIFESTS", default="120/min"),
        # Failed client authentication at the OAuth token, introspection and revocation
        # endpoints (apps.oauth.throttling), per client address and per client_id.
        "oauth_client_auth_address": env(
            "OAUTH_CLIENT_AUTH_FAILURES_PER_ADDRESS", default="20/min"
        ),
        "oauth_client_auth_client": env("OAUTH_CLIENT_AUTH_FAILURES_PER_CLIENT", default="60/min"),
    },
    "EXCEPTION_HANDLER": "apps.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace API",
    "DESCRIPTION": (
        "Everything the console does, for automation. Authenticate with a session (the "
        "console) or an account API key: `Authorization: Bearer mpk_...`. Errors always "
        'have the body `{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # The module records' choice sets by model: many are called ``status`` or ``kind``;
    # the platform's own keep the names they had.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "apps.catalog.models.VersionStatus",
        "KindEnum": "apps.installations.models.InstallationEvent.Kind",
        "ActiveStatusEnum": "apps.modules.models.base.ActiveStatus",
        "PriorityEnum": "apps.modules.models.base.Priority",
        "CrmAccountKindEnum": "apps.modules.models.crm.CrmAccount.Kind",
        "ContactChannelKindEnum": "apps.modules.models.crm.ContactChannelKind",
        "CrmDealStatusEnum": "apps.modules.models.crm.CrmDeal.Status",
        "ProductStatusEnum": "apps.modules.models.finance.Product.Status",
        "InvoiceStatusEnum": "apps.modules.models.finance.Invoice.Status",
        "FinTransactionDirectionEnum": "apps.modules.models.finance.FinTransaction.Direction",
        "FinTransactionStatusEnum": "apps.modules.models.finance.FinTransaction.Status",
        "ProjectStatusEnum": "apps.modules.models.work.Project.Status",
        "ProjectStageStatusEnum": "apps.modules.models.work.ProjectStage.Status",
        "TaskStatusEnum": "apps.modules.models.work.Task.Status",
        "AgileSprintStatusEnum": "apps.modules.models.work.AgileSprint.Status",
        "AgileIssueKindEnum": "apps.modules.models.work.AgileIssue.Kind",
        "AgileIssueStatusEnum": "apps.modules.models.work.AgileIssue.Status",
        "CalendarEventStatusEnum": "apps.modules.models.work.CalendarEvent.Status",
        "KbArticleStatusEnum": "apps.modules.models.content.KbArticle.Status",
        "WorkspaceDocumentStatusEnum": "apps.modules.models.content.WorkspaceDocument.Status",
        "InvitationStatusEnum": "apps.accounts.models.Invitation.Status",
    },
}

# --- OAuth 2.0 (django-oauth-toolkit, models swapped into apps.oauth) ---------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth.Application"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth.Grant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth.IDToken"
# The issuer identifier (RFC 8414, RFC 9207): the marketplace's public base URL, e.g.
# https://market.example.com (no path). The metadata's issuer and endpoints and the iss of
# every authorization response use it, never the request's Host header. Production
# requires it; unset (a laptop, the tests), it is derived from the request.
OAUTH_ISSUER = env.str("OAUTH_ISSUER", default="").strip().rstrip("/")
OAUTH2_PROVIDER = {
    "OIDC_ISS_ENDPOINT": OAUTH_ISSUER,
    "SCOPES_BACKEND_CLASS": "apps.oauth.scopes.CatalogueScopes",
    "OAUTH2_VALIDATOR_CLASS": "apps.oauth.validators.PlatformValidator",
    # Public clients must use PKCE; confidential ones may (the validator decides per client).
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_SECONDS", default=365 * 24 * 3600),
    # RFC 6749 §4.1.2's recommended maximum: long enough for an app to keep the code while
    # its user signs up or in on the app's side, or while the admin fills in the settings
    # an install needs (the code waits then); still single use.
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": False,
    "REQUEST_APPROVAL_PROMPT": "force",
    "CLIENT_SECRET_HASHER": "hmac_sha256_pepper",
    "CLEAR_EXPIRED_TOKENS_BATCH_SIZE": 2000,
    # What the RFC 8414 metadata advertises: exactly what the token endpoint accepts.
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
}

# --- Celery --------------------------------------------------------------------------------
# With REDIS_URL (or CELERY_BROKER_URL) set, Redis carries the messages. Without it, the
# filesystem transport does, which needs no server. Either way the broker only carries
# wake-ups: the state of every long job lives in a database row (apps.jobs) and the beat
# sweeper re-enqueues work whose message was lost.
REDIS_URL = env("REDIS_URL", default="")
CELERY_FILESYSTEM_DIR = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
            "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
            "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
            "store_processed": False,
        }
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_ACKS_ON_FAILURE = True
CELERY_TASK_ACKS_ON_TIMEOUT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30
# Limits well below the visibility timeout, so a running task is never redelivered to a
# second worker while the first still works on it.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery limits must satisfy CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < "
        "CELERY_VISIBILITY_TIMEOUT, or a running task is redelivered to a second worker."
    )
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
JOBS_SWEEP_SECONDS = env.int("JOBS_SWEEP_SECONDS", default=30)
LIFECYCLE_PURGE_EVERY_SECONDS = env.int("LIFECYCLE_PURGE_EVERY_SECONDS", default=600)
# Outside services' access tokens are refreshed before they expire (apps.connections).
CONNECTIONS_REFRESH_EVERY_SECONDS = env.int("CONNECTIONS_REFRESH_EVERY_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "jobs-sweep": {
        "task": "jobs.sweep",
        "schedule": timedelta(seconds=JOBS_SWEEP_SECONDS),
        "options": {"expires": 60},
    },
    "connections-refresh-due": {
        "task": "connections.refresh_due",
        "schedule": timedelta(seconds=CONNECTIONS_REFRESH_EVERY_SECONDS),
        "options": {"expires": CONNECTIONS_REFRESH_EVERY_SECONDS},
    },
    "lifecycle-tokens-purge": {
        "task": "lifecycle.tokens_purge",
        "schedule": timedelta(seconds=LIFECYCLE_PURGE_EVERY_SECONDS),
        "options": {"expires": LIFECYCLE_PURGE_EVERY_SECONDS},
    },
    "embedding-signing-key-rotate": {
        "task": "embedding.signing_key_rotate_due",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
    "modules-events-trim": {
        "task": "modules.events_trim",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": timedelta(seconds=env.int("WEBHOOK_SWEEP_SECONDS", default=10)),
        "options": {"expires": 30},
    },
    "webhooks-health": {
        "task": "webhooks.health_evaluate",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 300},
    },
    "webhooks-log-purge": {
        "task": "webhooks.log_purge",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
    "modules-idempotency-trim": {
        "task": "modules.idempotency_trim",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    },
}
# Change events of module data (the webhooks' outbox) are kept this many days.
MODULE_EVENT_RETENTION_DAYS = env.int("MODULE_EVENT_RETENTION_DAYS", default=30)
# A create sent with an Idempotency-Key answers the same for this many hours.
MODULE_IDEMPOTENCY_HOURS = env.int("MODULE_IDEMPOTENCY_HOURS", default=24)

# --- Embedded apps (apps.embedding) -------------------------------------------------------
# A launch token lives this long (at most 300 seconds, whatever is set here).
EMBEDDING_LAUNCH_TOKEN_SECONDS = env.int("EMBEDDING_LAUNCH_TOKEN_SECONDS", default=300)
# The signing key of launch tokens is rotated once it is this old (beat checks hourly).
EMBEDDING_KEY_MAX_AGE_DAYS = env.int("EMBEDDING_KEY_MAX_AGE_DAYS", default=30)
# SDK calls one embedded frame may make per minute.
EMBEDDING_SDK_CALLS_PER_MINUTE = env.int("EMBEDDING_SDK_CALLS_PER_MINUTE", default=120)

# --- Background jobs (apps.jobs) -----------------------------------------------------------
# A claimed job chunk holds a lease this long; a worker that dies mid-chunk loses it and
# the sweeper hands the job to another worker. It is longer than the hard task time limit.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
# A job whose last progress is older than this and that holds no lease gets a new wake-up.
JOBS_STALE_SECONDS = env.int("JOBS_STALE_SECONDS", default=60)
JOBS_MAX_TRANSIENT_RETRIES = 5

# --- Lifecycle jobs (apps.lifecycle) -------------------------------------------------------
# One chunk of an uninstall, app deletion or rollout works this long before it records its
# progress and hands over to the next message; far below the task soft time limit.
LIFECYCLE_CHUNK_SECONDS = env.float("LIFECYCLE_CHUNK_SECONDS", default=10.0)
# The periodic token purge stops after this long; the next run goes on.
LIFECYCLE_PURGE_SECONDS = env.float("LIFECYCLE_PURGE_SECONDS", default=90.0)
LIFECYCLE_PURGE_BATCH_SIZE = env.int("LIFECYCLE_PURGE_BATCH_SIZE", default=5000)
if max(LIFECYCLE_CHUNK_SECONDS, LIFECYCLE_PURGE_SECONDS) >= CELERY_TASK_SOFT_TIME_LIMIT / 2:
    raise ImproperlyConfigured(
        "LIFECYCLE_CHUNK_SECONDS and LIFECYCLE_PURGE_SECONDS must stay below half of "
        "CELERY_TASK_SOFT_TIME_LIMIT, so a chunk finishes long before the worker stops it."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # A refused request (4xx) is one INFO line of apps.requests with its error code;
    # Django's own lines for it (django.request with a traceback, django.server,
    # django.security.csrf) are dropped. Server errors keep their tracebacks.
    "filters": {"drop_refusals": {"()": "apps.core.log.DropRefusals"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["drop_refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default configuration gives these loggers handlers of their own
        # besides the root's, so every record of theirs was written twice: here they go
        # through the root's handler alone.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # oauthlib's DEBUG lines carry authorization codes: never below INFO, whatever
        # LOG_LEVEL says.
        "oauthlib": {"level": "INFO"},
        # httpx and httpcore log URLs (with their query strings) and headers at DEBUG:
        # calls to outside services carry keys and tokens there (apps.core.outbound).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}

# --- Outbound HTTP (apps.core.outbound) ----------------------------------------------------
# Calls to outside services (OAuth token endpoints, connection tests) connect only to
# public addresses; these networks are allowed besides (e.g. "127.0.0.1/32" for an
# outside service running on this machine). Timeouts in seconds.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
OUTBOUND_CONNECT_TIMEOUT = env.float("OUTBOUND_CONNECT_TIMEOUT", default=5.0)
OUTBOUND_TIMEOUT = env.float("OUTBOUND_TIMEOUT", default=15.0)
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=1024 * 1024)

# --- Webhook deliveries (apps.webhooks) ----------------------------------------------------
# Each attempt connects within WEBHOOK_CONNECT_TIMEOUT and is over within WEBHOOK_TIMEOUT
# (seconds). After a failed attempt the next waits the schedule's delay (spread by
# WEBHOOK_RETRY_JITTER either way): at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h,
# about 27 hours in all; then the delivery is failed and kept for replay.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10.0)
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE", cast=float, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
WEBHOOK_RETRY_JITTER = env.float("WEBHOOK_RETRY_JITTER", default=0.1)
# A worker sending a delivery holds it this long; one killed mid-send loses it then and the
# sweeper hands the delivery to another worker (at least once).
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
# A due delivery whose last wake-up is older than this gets another from the sweeper.
WEBHOOK_STALE_SECONDS = env.int("WEBHOOK_STALE_SECONDS", default=30)
# Retries due within this many seconds are sent with a countdown; later ones by the sweeper.
WEBHOOK_COUNTDOWN_MAX_SECONDS = env.int("WEBHOOK_COUNTDOWN_MAX_SECONDS", default=60)
# After a rotation the old signing secret keeps signing beside the new one this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env.int("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# The platform's ed25519 key for v1a signatures: "whsk_" + base64 of a 32-byte seed.
# Empty: derived from SECRET_KEY (make run, the tests); production refuses to start without
# one (marketplace/settings/production.py).
WEBHOOK_SIGNING_KEY = env("WEBHOOK_SIGNING_KEY", default="")
WEBHOOK_FANOUT_BATCH = env.int("WEBHOOK_FANOUT_BATCH", default=500)
# The fan-out's wake-up after a commit is published by a thread of the process, not the
# request, at most one a WEBHOOK_WAKE_INTERVAL (seconds) for all the commits meanwhile.
WEBHOOK_WAKE_IN_BACKGROUND = env.bool("WEBHOOK_WAKE_IN_BACKGROUND", default=True)
WEBHOOK_WAKE_INTERVAL = env.float("WEBHOOK_WAKE_INTERVAL", default=0.05)
# Finished deliveries (and their attempts) are kept this many days, then purged hourly.
WEBHOOK_LOG_RETENTION_DAYS = env.int("WEBHOOK_LOG_RETENTION_DAYS", default=30)
# A subscription failing with no success for WEBHOOK_AT_RISK_HOURS is at risk (its
# developers are told), for WEBHOOK_DISABLE_DAYS disabled (no new deliveries).
WEBHOOK_AT_RISK_HOURS = env.int("WEBHOOK_AT_RISK_HOURS", default=24)
WEBHOOK_DISABLE_DAYS = env.int("WEBHOOK_DISABLE_DAYS", default=5)

# --- Scope catalog (apps.scopes) -----------------------------------------------------------
# A host adds its own modules, narrower scopes and embedding locations here; the format is
# in apps/scopes/README.md and a system check refuses an inconsistent extension.
MARKETPLACE_SCOPE_CATALOG: dict[str, dict[str, dict[str, object]]] = {}
