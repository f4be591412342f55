"""Django settings. Everything that differs between machines comes from the environment.

- ``SECRET_KEY``: required when ``DEBUG`` is off; a development key is made up otherwise.
- ``DEBUG``: "1" to turn on Django's debug pages (never in production).
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/name``; SQLite in ``$KHIZANA_DATA_DIR`` by default.
- ``DATABASE_REPLICA_URL``: a PostgreSQL streaming standby of it, read by public pages (unset: none).
- ``KHIZANA_DATA_DIR``: where the database, the kept import files and the search index live (``var/``).
- ``ALLOWED_HOSTS``: comma-separated host names (default: localhost names).
- ``KHIZANA_HTTPS``: "1" when the site is served over HTTPS only: secure cookies, HTTP redirected to
  HTTPS, HSTS for ``KHIZANA_HSTS_SECONDS`` (a year); ``KHIZANA_HSTS_INCLUDE_SUBDOMAINS`` and
  ``KHIZANA_HSTS_PRELOAD`` "1" add those HSTS flags (off by default: hard to take back).
- ``KHIZANA_TRUST_X_FORWARDED_PROTO``: "1" only when a reverse proxy terminates TLS and sets
  ``X-Forwarded-Proto`` on every request, overwriting the client's (``SECURE_PROXY_SSL_HEADER``).
  Without it, or gunicorn's ``FORWARDED_ALLOW_IPS`` (127.0.0.1 by default) trusting the proxy, HTTPS
  requests forwarded as HTTP would be redirected to HTTPS forever.
"""

from __future__ import annotations

import importlib.util
import os
import re
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from khizana.core.config import ConfigurationError, env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env("KHIZANA_DATA_DIR", (BASE_DIR / "var").resolve())
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env("KHIZANA_REQUIRE_SECRET_KEY", False):
        raise RuntimeError("SECRET_KEY must be set in the environment")
    # A per-installation key kept in the data directory, so sessions survive restarts. Read (and made)
    # when first used, not at start-up: `khizana COMMAND --help` writes nothing into the data directory.
    from functools import cache

    from django.utils.functional import lazy

    @cache
    def _installation_secret_key() -> str:
        key_file = DATA_DIR / "secret_key"
        if not key_file.exists():
            import tempfile

            from django.core.management.utils import get_random_secret_key

            # Written whole under another name, then linked: a process starting at the same moment
            # (gunicorn's workers) never reads a half-written key; the first link wins.
            with tempfile.NamedTemporaryFile("w", dir=DATA_DIR, prefix=".secret_key.", delete=False) as tmp:
                tmp.write(get_random_secret_key())
            os.chmod(tmp.name, 0o600)
            try:
                os.link(tmp.name, key_file)
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp.name)
        return key_file.read_text().strip()

    SECRET_KEY = lazy(_installation_secret_key, str)()

ALLOWED_HOSTS = env("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "khizana.libraries",
    "khizana.catalog",
    "khizana.search",
    "khizana.accounts",
    "khizana.web",
    "khizana.staff",
    "khizana.oai",
    "khizana.harvest",
    "khizana.api",
    "khizana.sru",
    "khizana.visibility",
    "khizana.digital",
    "khizana.eresources",
    "khizana.ill",
    "khizana.ai",
    "khizana.heritage.conservation",
    "khizana.heritage.digitisation",
    "khizana.heritage.preservation",
    "khizana.heritage.theses",
    "khizana.programmes.calls",
    "khizana.programmes.labelling",
    "khizana.programmes.events",
    "khizana.programmes.portal",
    "khizana.programmes.surveys",
    "khizana.federation",
    "khizana.operations",
    "oauth2_provider",  # Khizana as an OpenID Connect provider (khizana/federation)
    "huey.contrib.djhuey",
    "health_check",  # /health/ (khizana/operations/health.py): its page's template, `khizana health_check`
    "django_prometheus",  # /metrics (khizana/operations/metrics.py)
]

MIDDLEWARE = [
    # Health and metrics (khizana/operations): Prometheus's request timing around everything, then the
    # request id every log line of the request carries (and one access line per request).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "khizana.operations.logs.RequestIdMiddleware",
    "khizana.operations.health.ProbeMiddleware",  # /health/ and /metrics, before host checks and redirects
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "khizana.operations.replica.ReplicaMiddleware",  # public reads to the read replica (unused without one)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Fair use and load shedding (khizana/operations/shedding.py, KHIZANA_RATE_* and KHIZANA_SHED_* below)
    "khizana.operations.shedding.RateLimitMiddleware",
    "khizana.operations.shedding.ConcurrencyGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a throttled sign-in with ratelimit.locked_out
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # counts responses by view and status
]

# Sign-in throttling (khizana/accounts/ratelimit.py, django-axes): failures counted in the database for
# every sign-in form, the admin's included. Per address first, then per account (higher: readers of one
# library often share an address; an account blocked by others is freed by resetting its password).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in through a member institution's identity provider (khizana/federation/backends.py)
    "khizana.federation.backends.InstitutionSaml2Backend",
    "khizana.federation.backends.InstitutionOIDCBackend",
]
KHIZANA_LOGIN_MAX_FAILURES_PER_IP = env("KHIZANA_LOGIN_MAX_FAILURES_PER_IP", 20)
KHIZANA_LOGIN_MAX_FAILURES = env("KHIZANA_LOGIN_MAX_FAILURES", 50)
KHIZANA_LOGIN_WINDOW = env("KHIZANA_LOGIN_WINDOW", 15 * 60)  # seconds after the last failure
AXES_HANDLER = "khizana.accounts.ratelimit.SigninThrottle"
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = "khizana.accounts.ratelimit.failure_limit"
AXES_COOLOFF_TIME = KHIZANA_LOGIN_WINDOW / 3600  # hours
AXES_CLIENT_IP_CALLABLE = "khizana.accounts.ratelimit.client_ip"  # REMOTE_ADDR, never X-Forwarded-For
AXES_USERNAME_CALLABLE = "khizana.accounts.ratelimit.username_key"
AXES_LOCKOUT_CALLABLE = "khizana.accounts.ratelimit.locked_out"
AXES_RESET_ON_SUCCESS = False  # ratelimit clears the account's failures from its own address only
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not logged
AXES_VERBOSE = False

ROOT_URLCONF = "khizana.urls"
WSGI_APPLICATION = "khizana.wsgi.application"

_DJANGOSAML2_TEMPLATES = Path(importlib.util.find_spec("djangosaml2").origin).parent / "templates"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # djangosaml2 (Khizana as a SAML service provider, khizana/federation/saml_sp.py) is not an installed
        # app, only its templates are used: an installed app's template tags are imported when templates
        # are first used or checked, and its tag imports pysaml2 (half a second at every start).
        "DIRS": [BASE_DIR / "khizana" / "templates", _DJANGOSAML2_TEMPLATES],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "khizana.visibility.context_processors.research_office",
            ],
        },
    },
]

if env("DATABASE_URL", ""):
    DATABASES = {
        "default": dj_database_url.parse(env("DATABASE_URL", ""), conn_max_age=60, conn_health_checks=True)
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "khizana.sqlite3",
            "OPTIONS": {
                # WAL lets readers run during an import; IMMEDIATE avoids "database is locked"
                # upgrades when the web server and an import write at the same time.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                " PRAGMA busy_timeout=30000; PRAGMA cache_size=-65536;",
                "transaction_mode": "IMMEDIATE",
            },
            # Each web thread keeps its connection (as with PostgreSQL below): opening one and running
            # the PRAGMAs above cost about an eighth of a search page.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }

# --- read replica (khizana/operations/replica.py) ---
# DATABASE_REPLICA_URL: a PostgreSQL streaming standby of DATABASE_URL (e.g. postgres://user@replica:5432/name),
# same engine and options; it serves the reads of public pages (GET/HEAD outside staff, admin, account and
# sign-on pages) and search results' rows, the primary everything else. Empty: no replica, nothing changes.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
# A client that wrote (POST…) reads the primary for this many seconds (read-your-own-writes): keep it above
# KHIZANA_REPLICA_MAX_LAG + KHIZANA_REPLICA_CHECK_SECONDS.
KHIZANA_REPLICA_PIN_SECONDS = env("KHIZANA_REPLICA_PIN_SECONDS", 10.0)
# The replica behind by more than this (seconds), the primary serves; its lag is measured at most every
# KHIZANA_REPLICA_CHECK_SECONDS per process; unreachable, it is left alone KHIZANA_REPLICA_RETRY_SECONDS
# (connecting gives up after KHIZANA_REPLICA_CONNECT_TIMEOUT seconds).
KHIZANA_REPLICA_MAX_LAG = env("KHIZANA_REPLICA_MAX_LAG", 5.0)
KHIZANA_REPLICA_CHECK_SECONDS = env("KHIZANA_REPLICA_CHECK_SECONDS", 2.0)
KHIZANA_REPLICA_RETRY_SECONDS = env("KHIZANA_REPLICA_RETRY_SECONDS", 15.0)
KHIZANA_REPLICA_CONNECT_TIMEOUT = env("KHIZANA_REPLICA_CONNECT_TIMEOUT", 2)
# Pages read from the primary even by GET (besides any path with a "staff" segment).
KHIZANA_REPLICA_PRIMARY_PATHS = env("KHIZANA_REPLICA_PRIMARY_PATHS", ["/admin/", "/account/", "/sso/"])
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL)
    if "postgresql" not in DATABASES["default"]["ENGINE"] or "postgresql" not in _replica["ENGINE"]:
        raise ConfigurationError(
            "DATABASE_REPLICA_URL: a read replica is a PostgreSQL standby of a PostgreSQL DATABASE_URL"
            f" (here {DATABASES['default']['ENGINE']} and {_replica['ENGINE']})"
        )
    DATABASES["replica"] = {
        **_replica,
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "OPTIONS": {
            **DATABASES["default"].get("OPTIONS", {}),
            **_replica.get("OPTIONS", {}),
            "connect_timeout": KHIZANA_REPLICA_CONNECT_TIMEOUT,
        },
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["khizana.operations.replica.ReplicaRouter"]
# --- end of read replica ---

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "khizana" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Made by collectstatic, not at start-up; until then whitenoise's warning about it says nothing useful.
warnings.filterwarnings("ignore", message=f"No directory at: {re.escape(str(STATIC_ROOT))}")
# pysaml2 (federation) imports a cipher mode cryptography has moved; it works. Kept off commands stderr.
warnings.filterwarnings("ignore", message="CFB has been moved")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG or env("KHIZANA_PLAIN_STATIC", False):
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env("KHIZANA_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No Referer to other sites (what a reader reads is their business); full path within Khizana.
SECURE_REFERRER_POLICY = "same-origin"
if SESSION_COOKIE_SECURE:  # KHIZANA_HTTPS=1: the site is served over HTTPS only
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env("KHIZANA_HSTS_SECONDS", 365 * 24 * 3600)
    # Off unless asked: every subdomain of the host would have to be HTTPS too, and a preloaded
    # domain stays in the browsers' lists for months after it is removed.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env("KHIZANA_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env("KHIZANA_HSTS_PRELOAD", False)
# Django believes X-Forwarded-Proto blindly: only a proxy that sets it on every request (overwriting
# what the client sent) may be trusted with it, or a client could pass plain HTTP off as HTTPS.
if env("KHIZANA_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy of every response (django-csp). A view that sets its own header keeps it (the
# readers and the files they read: khizana/digital/reader_views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # NONCE: a page that renders request.csp_nonce in a <style> gets it here (the page viewer only).
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Khizana's own settings: each declared once, here, with its default; every one can be set by the
# environment variable of the same name (khizana.core.config.env), and code reads settings.<NAME>.

# Catalog imports. Import files are kept (content-addressed) so nothing a library sent is lost.
KHIZANA_IMPORT_STORE = DATA_DIR / "imports"
KHIZANA_MAX_IMPORT_BYTES = env("KHIZANA_MAX_IMPORT_BYTES", 512 * 1024 * 1024)  # also member files
KHIZANA_IMPORT_BATCH = env("KHIZANA_IMPORT_BATCH", 2000)  # records per transaction
# Processes that read large ISO 2709 files; 1 reads in the importing process.
KHIZANA_IMPORT_WORKERS = env("KHIZANA_IMPORT_WORKERS", min(4, os.cpu_count() or 1))

# Search. The facet counts and ranked pages of this many recent costly queries are kept per search process
# until the index changes (0: off); costly = took at least KHIZANA_SEARCH_CACHE_MIN_MS to compute.
KHIZANA_SEARCH_CACHE = env("KHIZANA_SEARCH_CACHE", 4096)
KHIZANA_SEARCH_CACHE_MIN_MS = env("KHIZANA_SEARCH_CACHE_MIN_MS", 5.0)
# Index the works a transaction changed as soon as it commits (off: only `khizana index sync` does).
KHIZANA_SYNC_INDEX_ON_COMMIT = env("KHIZANA_SYNC_INDEX_ON_COMMIT", True)
# Several web nodes (docs/deploy.md): this node's index directory ("": <data dir>/search), and "1" on the
# web nodes that only read the index the indexer node publishes to them (`khizana index_publish --to DIR`):
# they never write it (changed works wait in the database queue for the indexer's next sync) and
# `khizana index rebuild|sync` refuse to run there.
KHIZANA_INDEX_DIR = env("KHIZANA_INDEX_DIR", "")
KHIZANA_INDEX_READ_ONLY = env("KHIZANA_INDEX_READ_ONLY", False)
# On the indexer: the index directories of the web nodes `khizana index_publish` copies to when given no
# --to (comma-separated paths, local or mounted).
KHIZANA_INDEX_PUBLISH_TO = env("KHIZANA_INDEX_PUBLISH_TO", [])

# AI, language detection (khizana/ai/language.py): the languages a title may be detected as (MARC codes;
# "ber": Tifinagh script), and the confidence from which the language facet uses a suggestion, for works
# without a language code (0.8: 98-99 % right on French, English, German titles, bench/RESULTS.md).
KHIZANA_AI_LANGUAGES = env("KHIZANA_AI_LANGUAGES", ["ara", "fre", "eng", "spa", "ger", "ita", "ber"])
KHIZANA_AI_LANGUAGE_THRESHOLD = env("KHIZANA_AI_LANGUAGE_THRESHOLD", 0.8)
# AI, similar works on the work page (khizana/ai/similar.py): how many per work; whether a change to works
# refreshes them (and the language suggestions) as soon as it commits, rather than every 10 minutes.
KHIZANA_AI_SIMILAR_COUNT = env("KHIZANA_AI_SIMILAR_COUNT", 6)
KHIZANA_AI_REFRESH_ON_COMMIT = env("KHIZANA_AI_REFRESH_ON_COMMIT", False)

# Digital library: where the files are kept, the largest file accepted, the EPUBCheck command line
# (unset: the installed epubcheck if any; empty: none).
KHIZANA_DIGITAL_STORE = env("KHIZANA_DIGITAL_STORE", DATA_DIR / "digital")
KHIZANA_MAX_DIGITAL_BYTES = env("KHIZANA_MAX_DIGITAL_BYTES", 1024 * 1024 * 1024)
KHIZANA_EPUBCHECK = env("KHIZANA_EPUBCHECK", None)
# IIIF images: the tile cache (deletable at any time), pruned back to its size every hour (oldest tiles
# first); the largest image a request may ask for.
KHIZANA_IIIF_CACHE = env("KHIZANA_IIIF_CACHE", DATA_DIR / "iiif-cache")
KHIZANA_IIIF_CACHE_MAX_BYTES = env("KHIZANA_IIIF_CACHE_MAX_BYTES", 2 * 1024 * 1024 * 1024)
KHIZANA_IIIF_MAX_WIDTH = env("KHIZANA_IIIF_MAX_WIDTH", 10_000)
KHIZANA_IIIF_MAX_HEIGHT = env("KHIZANA_IIIF_MAX_HEIGHT", 10_000)
KHIZANA_IIIF_MAX_AREA = env("KHIZANA_IIIF_MAX_AREA", 50_000_000)
# Digital lending: simultaneous loans per member, lifetime of a loan's signed download links (seconds).
KHIZANA_MAX_LOANS_PER_MEMBER = env("KHIZANA_MAX_LOANS_PER_MEMBER", 5)
KHIZANA_DOWNLOAD_LINK_SECONDS = env("KHIZANA_DOWNLOAD_LINK_SECONDS", 600)
# Digitisation programme: copyright terms overriding or adding to the table of
# khizana/heritage/digitisation/copyright.py ("country:years" pairs, e.g. MA:70,SN:70); the folder where
# delivered page images wait between their scan and their publication.
KHIZANA_COPYRIGHT_TERMS = env("KHIZANA_COPYRIGHT_TERMS", [])
KHIZANA_DIGITISATION_STAGING = env("KHIZANA_DIGITISATION_STAGING", DATA_DIR / "digitisation")
# Digital preservation: the OCFL storage root of the preserved items and its second copy (put it on
# another disk or mount); objects per scheduled fixity audit (least recently checked first) and its
# crontab (5 fields; "off": no scheduled audit); threads hashing files during an audit; whether an item
# is preserved as soon as it is saved (off: only the hourly sweep and `khizana preservation ingest`).
KHIZANA_PRESERVATION_ROOT = env("KHIZANA_PRESERVATION_ROOT", DATA_DIR / "preservation" / "ocfl")
KHIZANA_PRESERVATION_COPY_ROOT = env(
    "KHIZANA_PRESERVATION_COPY_ROOT", DATA_DIR / "preservation-copy" / "ocfl"
)
KHIZANA_PRESERVATION_AUDIT_LIMIT = env("KHIZANA_PRESERVATION_AUDIT_LIMIT", 500)
KHIZANA_PRESERVATION_AUDIT_SCHEDULE = env("KHIZANA_PRESERVATION_AUDIT_SCHEDULE", "40 3 * * *")
KHIZANA_PRESERVATION_WORKERS = env("KHIZANA_PRESERVATION_WORKERS", 2)
KHIZANA_PRESERVATION_ON_SAVE = env("KHIZANA_PRESERVATION_ON_SAVE", True)

# Subject suggestions (khizana.ai, Annif): the bin directory of Annif's own venv (`make annif`), the directory
# of its projects.cfg, trained models, vocabularies, corpora and trained Punkt data; suggestions kept per
# record; CPU cores for training.
KHIZANA_ANNIF_BIN = env("KHIZANA_ANNIF_BIN", BASE_DIR / ".venv-annif" / "bin")
KHIZANA_ANNIF_DIR = env("KHIZANA_ANNIF_DIR", DATA_DIR / "annif")
KHIZANA_ANNIF_SUGGESTIONS = env("KHIZANA_ANNIF_SUGGESTIONS", 5)
KHIZANA_ANNIF_JOBS = env("KHIZANA_ANNIF_JOBS", 2)

# OAI-PMH provider: the repository's identifier (oai:<identifier>:...), name, records per page, and the
# administrators' addresses (comma-separated; default: ADMINS).
KHIZANA_OAI_REPOSITORY_IDENTIFIER = env("KHIZANA_OAI_REPOSITORY_IDENTIFIER", "khizana.local")
KHIZANA_OAI_REPOSITORY_NAME = env("KHIZANA_OAI_REPOSITORY_NAME", "Khizana")
KHIZANA_OAI_PAGE_SIZE = env("KHIZANA_OAI_PAGE_SIZE", 100)
KHIZANA_OAI_ADMIN_EMAIL = env("KHIZANA_OAI_ADMIN_EMAIL", "")
# OAI-PMH harvester: seconds per request, attempts per request, backoff factor between them, seconds of
# retrying a run may spend in all; the crontab (5 fields) of scheduled harvests (empty: none).
KHIZANA_HARVEST_TIMEOUT = env("KHIZANA_HARVEST_TIMEOUT", 60.0)
KHIZANA_HARVEST_ATTEMPTS = env("KHIZANA_HARVEST_ATTEMPTS", 5)
KHIZANA_HARVEST_BACKOFF = env("KHIZANA_HARVEST_BACKOFF", 2.0)
KHIZANA_HARVEST_RETRY_BUDGET = env("KHIZANA_HARVEST_RETRY_BUDGET", 300.0)
KHIZANA_HARVEST_SCHEDULE = env("KHIZANA_HARVEST_SCHEDULE", "")
# SSRF guard (khizana/core/outgoing): hosts the server may reach at non-public addresses
# (name, name:port, IP address, CIDR range); comma-separated in the environment.
KHIZANA_OUTGOING_ALLOWED_HOSTS = env("KHIZANA_OUTGOING_ALLOWED_HOSTS", [])
# Electronic resources: the base of the eduPersonEntitlement URI of each licensed resource
# (<base>/resources/<code>/licence, unless the resource names its own value); minutes a one-click access
# counts as a session for the simultaneous-user limits; seconds before a link check gives up.
KHIZANA_ERESOURCES_ENTITLEMENT_BASE = env("KHIZANA_ERESOURCES_ENTITLEMENT_BASE", "https://khizana.local")
KHIZANA_ERESOURCES_SESSION_MINUTES = env("KHIZANA_ERESOURCES_SESSION_MINUTES", 30)
KHIZANA_ERESOURCES_LINK_TIMEOUT = env("KHIZANA_ERESOURCES_LINK_TIMEOUT", 15.0)
# The largest KBART title list the staff page accepts (bytes).
KHIZANA_MAX_KBART_BYTES = env("KHIZANA_MAX_KBART_BYTES", 100 * 1024 * 1024)
# SUSHI harvesting of the providers' COUNTER usage (khizana.eresources.usage): seconds before a request gives
# up; minutes before a report the provider queued (exceptions 1011, 3031…) is asked for again, and how many
# times before it counts as failed; the largest report file staff may upload (bytes).
KHIZANA_SUSHI_TIMEOUT = env("KHIZANA_SUSHI_TIMEOUT", 120.0)
KHIZANA_SUSHI_RETRY_MINUTES = env("KHIZANA_SUSHI_RETRY_MINUTES", 60)
KHIZANA_SUSHI_MAX_ATTEMPTS = env("KHIZANA_SUSHI_MAX_ATTEMPTS", 10)
KHIZANA_MAX_USAGE_REPORT_BYTES = env("KHIZANA_MAX_USAGE_REPORT_BYTES", 50 * 1024 * 1024)

# Research visibility: the institution registry folder the affiliation reports use (empty: the one
# loaded in the database), the largest export accepted, and the size from which it is analysed by a
# background job; where ../shared/data is (empty: beside the checkout), for `khizana registry load`.
KHIZANA_AFFILIATION_REGISTRY = env("KHIZANA_AFFILIATION_REGISTRY", "")
KHIZANA_MAX_AFFILIATION_BYTES = env("KHIZANA_MAX_AFFILIATION_BYTES", 50 * 1024 * 1024)
KHIZANA_AFFILIATION_BACKGROUND_BYTES = env("KHIZANA_AFFILIATION_BACKGROUND_BYTES", 256 * 1024)
KHIZANA_SHARED_DATA = env("KHIZANA_SHARED_DATA", "")

# Document supply (khizana/ill): scanned copies (PDF) a supplying library uploads wait in
# KHIZANA_ILL_COPY_DIR; the reader's signed link works KHIZANA_ILL_COPY_DAYS days and
# KHIZANA_ILL_COPY_DOWNLOADS times, then the file is deleted; uploads up to KHIZANA_ILL_COPY_MAX_BYTES.
KHIZANA_ILL_COPY_DIR = env("KHIZANA_ILL_COPY_DIR", DATA_DIR / "ill-copies")
KHIZANA_ILL_COPY_DAYS = env("KHIZANA_ILL_COPY_DAYS", 14)
KHIZANA_ILL_COPY_DOWNLOADS = env("KHIZANA_ILL_COPY_DOWNLOADS", 3)
KHIZANA_ILL_COPY_MAX_BYTES = env("KHIZANA_ILL_COPY_MAX_BYTES", 100 * 1024 * 1024)

# Calls for projects (khizana/programmes/calls): the PDFs applicants upload (application documents,
# interim and final reports) are kept in KHIZANA_CALLS_FILES_DIR, each up to KHIZANA_CALLS_MAX_BYTES.
KHIZANA_CALLS_FILES_DIR = env("KHIZANA_CALLS_FILES_DIR", DATA_DIR / "calls")
KHIZANA_CALLS_MAX_BYTES = env("KHIZANA_CALLS_MAX_BYTES", 20 * 1024 * 1024)

# Training and events (khizana/programmes/events): the site's public address, written before the links
# of the e-mails (tickets, reminders sent by the huey consumer, which has no request to take it from).
KHIZANA_EVENTS_LINK_BASE = env("KHIZANA_EVENTS_LINK_BASE", "http://localhost:8000")
# The hour (server time) at which the reminders of the next day's events are sent.
KHIZANA_EVENTS_REMINDER_HOUR = env("KHIZANA_EVENTS_REMINDER_HOUR", 9)

# Federated single sign-on (khizana/federation): Khizana as a SAML 2.0 identity provider and an OpenID
# Connect provider for the publishers' platforms. Keys, certificate and the pairwise-id salt are made on
# first use in KHIZANA_SSO_DIR (never in the repository). KHIZANA_SSO_SCOPE is the identity provider's
# scope (eduPersonPrincipalName, pairwise-id); a member library's scope is "<code>.<KHIZANA_SSO_SCOPE>".
# KHIZANA_SAML_IDP_ENTITY_ID empty: the metadata address as the request reaches it. An assertion is
# valid KHIZANA_SSO_ASSERTION_SECONDS. KHIZANA_SSO_PAIRWISE_SALT empty: a random salt kept in the SSO dir.
KHIZANA_SSO_DIR = env("KHIZANA_SSO_DIR", DATA_DIR / "sso")
KHIZANA_SSO_SCOPE = env("KHIZANA_SSO_SCOPE", "khizana.local")
KHIZANA_SAML_IDP_ENTITY_ID = env("KHIZANA_SAML_IDP_ENTITY_ID", "")
KHIZANA_SSO_ASSERTION_SECONDS = env("KHIZANA_SSO_ASSERTION_SECONDS", 300)
KHIZANA_SSO_PAIRWISE_SALT = env("KHIZANA_SSO_PAIRWISE_SALT", "")


def _oidc_private_key() -> str:
    """The RS256 key of the OpenID Connect provider, made in KHIZANA_SSO_DIR when first used."""
    from khizana.federation.keys import rsa_key

    return rsa_key(KHIZANA_SSO_DIR / "oidc-rs256.key")


from django.utils.functional import lazy as _lazy  # noqa: E402

KHIZANA_OIDC_HTTP_REDIRECT_URIS = env("KHIZANA_OIDC_HTTP_REDIRECT_URIS", False)  # see OAUTH2_PROVIDER

# django-oauth-toolkit: authorization code with PKCE only, OpenID Connect on, claims and pairwise "sub"
# from khizana/federation/oidc.py.
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _lazy(_oidc_private_key, str)(),
    "PKCE_REQUIRED": True,
    "OAUTH2_VALIDATOR_CLASS": "khizana.federation.oidc.KhizanaOIDCValidator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "eduperson": "Affiliation and entitlements",
        "profile": "Name",
        "email": "E-mail address",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, S256 PKCE only, tokens in headers
    # only and stored hashed, `iss` in the authorization response, refresh tokens revoked when replayed,
    # https redirect URIs only (KHIZANA_OIDC_HTTP_REDIRECT_URIS=1 lets http ones in, for loopback tests).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if KHIZANA_OIDC_HTTP_REDIRECT_URIS else ["https"],
}
# Named so that migrations referring to the (swappable) application model can be written.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Sign-in through an institution's SAML identity provider (djangosaml2): the configuration is built from
# the registrations (khizana/federation/saml_sp.py); the service provider's entity id (empty:
# its metadata address as the request reaches it); requests sent by HTTP-Redirect; django-csp's own
# headers are kept (no djangosaml2 CSP decorator).
KHIZANA_SAML_SP_ENTITY_ID = env("KHIZANA_SAML_SP_ENTITY_ID", "")
SAML_CONFIG_LOADER = "khizana.federation.saml_sp.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CSP_HANDLER = ""
SAML_SESSION_COOKIE_SAMESITE = "None" if SESSION_COOKIE_SECURE else "Lax"

# Logs (khizana/operations/logs.py): "text", lines for a person at a terminal (the default: `make run`
# and development are read by people), or "json", one JSON object per line for a log shipper (set it in
# production). Every line carries the request id (X-Request-ID, from the proxy when it sends a sane one).
# KHIZANA_ACCESS_LOG: one line per request on the logger khizana.access (method, path, status, duration,
# user id).
KHIZANA_LOG_FORMAT = env("KHIZANA_LOG_FORMAT", "text")
if KHIZANA_LOG_FORMAT not in {"text", "json"}:
    raise ConfigurationError(f"KHIZANA_LOG_FORMAT={KHIZANA_LOG_FORMAT!r}: expected text or json")
KHIZANA_ACCESS_LOG = env("KHIZANA_ACCESS_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "khizana.operations.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "khizana.operations.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": KHIZANA_LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {
        "khizana.access": {"level": "INFO" if KHIZANA_ACCESS_LOG else "WARNING"},
        # the job consumer's lines (a task started, finished) through Khizana's handler, once: run_huey
        # adds its own handler only to a "huey" logger that has none
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# Health (/health/, khizana/operations/health.py): it answers 503 (take this server out) when a disk
# holding Khizana's directories has less than KHIZANA_HEALTH_MIN_FREE_MB megabytes free; more than
# KHIZANA_HEALTH_MAX_QUEUED jobs waiting in the job queue is a warning in the answer, still 200 (the queue
# is shared: taking servers out would not shorten it).
KHIZANA_HEALTH_MIN_FREE_MB = env("KHIZANA_HEALTH_MIN_FREE_MB", 1024)
KHIZANA_HEALTH_MAX_QUEUED = env("KHIZANA_HEALTH_MAX_QUEUED", 1000)
# Metrics (/metrics, khizana/operations/metrics.py): the addresses or networks (comma-separated) that may
# read them; a request forwarded by a proxy must name only allowed addresses in X-Forwarded-For, X-Real-IP
# and Forwarded as well. Prometheus's multiprocess mode: set PROMETHEUS_MULTIPROC_DIR (see metrics.py).
KHIZANA_METRICS_ALLOWED = env("KHIZANA_METRICS_ALLOWED", ["127.0.0.1", "::1"])

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:account"
LOGOUT_REDIRECT_URL = "web:home"

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Khizana <no-reply@localhost>")

# Background jobs (staff uploads): a SQLite queue in the data directory, Redis when REDIS_URL is set.
# `make run` starts the consumer (khizana run_huey) beside gunicorn.
HUEY = {
    "name": "khizana",
    "immediate": env("KHIZANA_HUEY_IMMEDIATE", False),
    "consumer": {"workers": env("KHIZANA_HUEY_WORKERS", 1), "worker_type": "thread"},
}
if env("REDIS_URL", ""):
    HUEY.update({"huey_class": "huey.RedisHuey", "url": env("REDIS_URL", "")})
else:
    from huey.storage import SqliteStorage

    class _SqliteQueue(SqliteStorage):
        """huey's SQLite queue, its file made when the queue is first used rather than at start-up."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **{**kwargs, "create_tables": False})

        def _create_connection(self):
            connection = super()._create_connection()
            connection.execute(self.begin_sql)
            for statement in self.ddl:
                connection.execute(statement)
            connection.commit()
            return connection

    HUEY.update(
        {
            "huey_class": "huey.SqliteHuey",
            "storage_class": _SqliteQueue,
            "filename": str(DATA_DIR / "huey.sqlite3"),
        }
    )
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the reader's language choice is remembered for a year

# --- Fair use and load shedding (issue 22; khizana/operations/shedding.py, ratelimit.py) ---
# Rate limits: requests per window of KHIZANA_RATE_WINDOW seconds, per class of request (search, API,
# other pages), counted per signed-in user, else per address (IPv6 by its /64); every client whose user
# agent is on the COUNTER robots list shares the *_ROBOTS budget. Over it: 429 with Retry-After. Staff are
# not limited. Per address is generous: a reading room's readers often share one address.
KHIZANA_RATE_ENABLED = env("KHIZANA_RATE_ENABLED", True)
KHIZANA_RATE_WINDOW = env("KHIZANA_RATE_WINDOW", 60)
KHIZANA_RATE_SEARCH_PER_ADDRESS = env("KHIZANA_RATE_SEARCH_PER_ADDRESS", 120)
KHIZANA_RATE_SEARCH_PER_USER = env("KHIZANA_RATE_SEARCH_PER_USER", 120)
KHIZANA_RATE_SEARCH_ROBOTS = env("KHIZANA_RATE_SEARCH_ROBOTS", 60)  # all crawlers together
KHIZANA_RATE_PAGES_PER_ADDRESS = env("KHIZANA_RATE_PAGES_PER_ADDRESS", 600)
KHIZANA_RATE_PAGES_PER_USER = env("KHIZANA_RATE_PAGES_PER_USER", 600)
KHIZANA_RATE_PAGES_ROBOTS = env("KHIZANA_RATE_PAGES_ROBOTS", 600)
KHIZANA_RATE_API_PER_ADDRESS = env("KHIZANA_RATE_API_PER_ADDRESS", 300)
KHIZANA_RATE_API_PER_USER = env("KHIZANA_RATE_API_PER_USER", 300)
KHIZANA_RATE_API_ROBOTS = env("KHIZANA_RATE_API_ROBOTS", 300)
# Which paths are search and which the API (machine interfaces); everything else counts as pages.
KHIZANA_RATE_SEARCH_PATHS = env("KHIZANA_RATE_SEARCH_PATHS", ["/search"])
KHIZANA_RATE_API_PATHS = env("KHIZANA_RATE_API_PATHS", ["/api/", "/oai", "/sru", "/r51/", "/iiif/"])
# Where the counts are kept, shared by every worker: Redis (REDIS_URL, or a redis:// URL here) or, without
# Redis, a SQLite file for the processes of one machine (its upsert is atomic; Django's file and
# database caches are not).
KHIZANA_RATE_STORE = env("KHIZANA_RATE_STORE", env("REDIS_URL", "") or str(DATA_DIR / "ratelimit.sqlite3"))
# Addresses or networks of reverse proxies whose X-Forwarded-For is believed (comma-separated); empty:
# the peer address is the client, whatever the header says.
KHIZANA_RATE_TRUSTED_PROXIES = env("KHIZANA_RATE_TRUSTED_PROXIES", [])
# Concurrency gate, per process: at most MAX_INFLIGHT requests run at once; one that waits WAIT_MS for a
# slot is answered 503 with Retry-After (seconds). RESERVED slots are kept for signed-in verified members
# and staff (who may wait PRIORITY_WAIT_MS); robots hold at most ROBOT_SLOTS. It acts only when gunicorn
# runs more threads than MAX_INFLIGHT (make run: --threads).
KHIZANA_SHED_ENABLED = env("KHIZANA_SHED_ENABLED", True)
KHIZANA_SHED_MAX_INFLIGHT = env("KHIZANA_SHED_MAX_INFLIGHT", 3)
KHIZANA_SHED_RESERVED = env("KHIZANA_SHED_RESERVED", 1)
KHIZANA_SHED_ROBOT_SLOTS = env("KHIZANA_SHED_ROBOT_SLOTS", 1)
KHIZANA_SHED_WAIT_MS = env("KHIZANA_SHED_WAIT_MS", 100)
KHIZANA_SHED_PRIORITY_WAIT_MS = env("KHIZANA_SHED_PRIORITY_WAIT_MS", 2000)
KHIZANA_SHED_RETRY_AFTER = env("KHIZANA_SHED_RETRY_AFTER", 5)
# Never counted nor gated: health checks, metrics, static files.
KHIZANA_SHED_EXEMPT_PATHS = env(
    "KHIZANA_SHED_EXEMPT_PATHS", ["/health", "/metrics", "/static/", "/favicon.ico"]
)
# --- end of fair use and load shedding ---

# --- backups (khizana/operations/backup*.py, `khizana backup` / `khizana restore`) ---
# Where `khizana backup` writes its archives unless given --output (never itself backed up); the folder
# of PostgreSQL's client tools pg_dump and pg_restore (empty: on PATH, else the newest
# /usr/lib/postgresql/*/bin).
KHIZANA_BACKUP_DIR = env("KHIZANA_BACKUP_DIR", DATA_DIR / "backups")
KHIZANA_PG_BIN = env("KHIZANA_PG_BIN", "")
# --- end of backups ---
