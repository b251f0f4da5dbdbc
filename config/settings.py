"""Settings, driven by environment variables (see platform/.env.example for every one of them).

With no environment at all this is the embedded default: SQLite in the project folder, Celery tasks run
in-process, DEBUG on. Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL.
"""

import os
import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# The fallback key only ever serves the embedded development default: with DEBUG off, the site refuses to
# start on it, or on platform/.env.example's CHANGE-ME placeholder, both of them public.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-deploy"
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("CHANGE-ME")):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is unset or a public placeholder: set it to a long random "
        'secret, e.g. python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Cross-origin use of the REST API from browser apps on other sites (django-cors-headers): none unless
# listed. Only the API answers them, and only to a token in the Authorization header, never to cookies: a
# listed site's scripts act with a token its user obtained for it, never as whoever is signed in here.
CORS_ALLOWED_ORIGINS = env_list("DJANGO_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "idempotency-key")
# A created resource's address, and how long to wait when told to slow down.
CORS_EXPOSE_HEADERS = ("Location", "Retry-After")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "corsheaders",
    "courses",
    "learners",
    "metamodel",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A pupil signed in with a teacher's temporary password chooses their own before any other page.
    "learners.middleware.ChooseOwnPasswordMiddleware",
]

# Content-Security-Policy on every page (django-csp): scripts, styles, frames, forms and requests from the
# platform itself only, so that markup slipped into a page cannot run or send anything elsewhere. The pages,
# the admin and the API docs keep their scripts and styles in static files; images may also be data: URIs
# (Swagger UI's icons). Django's debug pages (DEBUG on) go without it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves requests in threads: a transaction takes the write lock when it begins and
    # waits for it up to 20 s (instead of failing with "database is locked" when two answers meet), and the
    # write-ahead log lets reads go on beside a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # A new password is not the one the account has now (choosing one's own, a change, a reset by e-mail).
    {"NAME": "learners.validators.NotThePasswordNowValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "learners:catalogue"
LOGOUT_REDIRECT_URL = "login"
# Classroom machines are shared: the session cookie goes when the browser closes and, as browsers that
# restore tabs keep it, expires anyway this long after login (12 hours unless set, in seconds).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", int(timedelta(hours=12).total_seconds()))

LANGUAGE_CODE = "en-us"
# The school's time zone (an IANA name such as Europe/Paris): the dashboard's times and dates, the CSV's, and
# the day boundaries of the admin's date filters ("Today", "Past 7 days") are in it. Times are stored in UTC.
TIME_ZONE = env_str("DJANGO_TIME_ZONE") or "UTC"
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"DJANGO_TIME_ZONE is {TIME_ZONE!r}, which is not a known time zone: give a name of the IANA time "
        "zone database, e.g. Europe/Paris or America/New_York"
    ) from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# E-mail: the links that reset a forgotten password (docs/deployment.md). Sent through the SMTP server
# EMAIL_HOST when it is set; otherwise written to the server's console (the embedded default), where whoever
# runs it reads them. A link works once, for PASSWORD_RESET_HOURS hours. A new address an account is given
# (signing up, the account page, the API) is used once its owner opens the link sent to it, within
# EMAIL_CONFIRM_HOURS hours (learners.accounts); until then reset links keep going to the address before.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "adaptive-learning@localhost"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24) * 3600
EMAIL_CONFIRM_HOURS = env_int("EMAIL_CONFIRM_HOURS", 24)

# Trained model artifacts live here (one file per ModelVersion, named by its SHA-256).
MODEL_ARTIFACT_DIR = Path(env_str("MODEL_ARTIFACT_DIR", str(BASE_DIR / "var" / "models")))
# Besides the active version's, the artifacts of this many of the latest other versions are kept to roll
# back to; the daily pruning (metamodel.tasks.prune_model_artifacts, `manage.py prune_artifacts`) deletes
# older ones.
MODEL_ARTIFACTS_KEPT = env_int("MODEL_ARTIFACTS_KEPT", 10)

# Intra-op threads of torch in each web and worker process (metamodel.apps).
TORCH_THREADS = env_int("TORCH_THREADS", 1)

# Self-service sign-up through the API and the student pages; a school that provisions accounts turns it off.
REGISTRATION_OPEN = env_bool("REGISTRATION_OPEN", True)
# Teachers make accounts for the names of a class that are no one's yet (Enroll a class, and the API's
# create_accounts); a school that takes its accounts from its own directory turns it off: teachers then enroll
# existing accounts only.
TEACHER_ACCOUNTS_OPEN = env_bool("TEACHER_ACCOUNTS_OPEN", True)
# Students download everything kept about them and may delete their account themselves (page and API); a
# school that handles such requests itself, in the admin, turns the deletion off.
ACCOUNT_DELETION_OPEN = env_bool("ACCOUNT_DELETION_OPEN", True)

# Signing in and signing up (config/throttles.py), through the API and the pages: at most
# AUTH_THROTTLE_RATE sign-ins to one account from one address (password guessing), and
# AUTH_ADDRESS_THROTTLE_RATE sign-ins and sign-ups in all from one address, which a whole school's pupils
# may share (probing many accounts). A rate is N/second, N/minute, N/hour or N/day; beyond it, a 429 (the
# API) or a message (the pages).
AUTH_THROTTLE_RATE = env_str("AUTH_THROTTLE_RATE", "10/minute")
AUTH_ADDRESS_THROTTLE_RATE = env_str("AUTH_ADDRESS_THROTTLE_RATE", "300/minute")
# Join codes tried by one account (config.throttles.JoinCodeThrottle), through the API and the /join/ page.
JOIN_CODE_THROTTLE_RATE = env_str("JOIN_CODE_THROTTLE_RATE", "10/minute")
# Password reset links asked for one e-mail address (config.throttles.ResetEmailThrottle), through the API and
# the page, so that nobody fills a mailbox with them; the asking address counts with sign-ins too.
PASSWORD_RESET_THROTTLE_RATE = env_str("PASSWORD_RESET_THROTTLE_RATE", "3/hour")
for _name in (
    "AUTH_THROTTLE_RATE",
    "AUTH_ADDRESS_THROTTLE_RATE",
    "JOIN_CODE_THROTTLE_RATE",
    "PASSWORD_RESET_THROTTLE_RATE",
):
    if not re.fullmatch(r"[0-9]+/[smhd][a-z]*", globals()[_name]):
        raise ImproperlyConfigured(
            f"{_name} is {globals()[_name]!r}: give a number of requests per second, minute, hour or day, "
            "e.g. 10/minute"
        )
# The limits count in Django's cache, which is per process unless CACHE_URL names a shared one: with several
# gunicorn workers or web replicas, set a Redis URL, a database of its own (redis://redis:6379/1; the
# broker's queues live in another, and clearing the cache empties the whole database).
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Signed in, and not with a temporary password a teacher gave (learners.permissions).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "learners.permissions.PasswordChosen",
    ],
    # JSON, and DRF's browsable API in a browser, its inline styles let in by the Content-Security-Policy.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "config.renderers.BrowsableAPIWithInlineStyles",
    ],
    # JSON bodies only: no form or multipart body (whose files DATA_UPLOAD_MAX_MEMORY_SIZE does not limit)
    # anywhere but the course import, which names its own parsers.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Only signing in and up and trying join codes are rate-limited (their views name config.throttles'
    # classes).
    "DEFAULT_THROTTLE_RATES": {
        "auth": AUTH_THROTTLE_RATE,
        "auth-address": AUTH_ADDRESS_THROTTLE_RATE,
        "join-code": JOIN_CODE_THROTTLE_RATE,
        "password-reset": PASSWORD_RESET_THROTTLE_RATE,
    },
    # A client's address: REMOTE_ADDR, or behind NUM_PROXIES proxies (the TLS load balancer: 1) the entry
    # the outermost one appended to X-Forwarded-For; the entries before it are the client's to forge.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageSizePagination",
    "PAGE_SIZE": 50,
    # Field errors in one shape, {field: [messages]}, a list's items' too (config.exceptions).
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Adaptive learning platform API",
    "DESCRIPTION": (
        "Courses, enrollment, practice and progress. Authenticate with `Authorization: Token <key>` "
        "(from /api/v1/auth/token/ or /api/v1/auth/register/) or a browser session. Browser apps on "
        "other sites may call it with a token when the deployment lists their origin "
        "(DJANGO_CORS_ALLOWED_ORIGINS)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ loads Swagger UI from the platform's static files (drf-spectacular-sidecar), not a CDN:
    # it works offline, on a school network that blocks CDNs, and at a pinned version.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
    ],
}

# Celery: without a broker, tasks run in-process (the embedded default); with one, real workers.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
# Meta-training gets its own, longer limits (metamodel.tasks.meta_train); the soft limit, 60 s earlier, lets
# it fail cleanly. The limits travel in the task message from the sender (web, the default worker running
# the nightly task, `train --queue`), so this must be the same on every web and worker process.
TRAINING_TIME_LIMIT = env_int("TRAINING_TIME_LIMIT", 1800)
# Redis hands a message no worker acknowledged to another worker after this long: it must exceed the longest
# task, or a training run still in progress would be delivered, and claimed, a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": max(3600, TRAINING_TIME_LIMIT + 600)}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"metamodel.tasks.meta_train": {"queue": "training"}}
# The schedule lives in the database, created by a migration (metamodel 0005: the nightly training at 03:00
# UTC, the sweep of abandoned runs every 10 minutes), and is edited in the admin's "Periodic tasks".
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Production hardening: everything check --deploy asks for, switched on whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", int(timedelta(days=365).total_seconds()))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
