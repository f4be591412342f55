"""Django settings. Everything that differs between machines comes from the environment.

- ``SECRET_KEY``: required when ``DEBUG`` is off; a development key is made up otherwise.
- ``DEBUG``: "1" to turn on Django's debug pages (never in production).
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/name``; SQLite in ``$KHIZANA_DATA_DIR`` by default.
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

import os
import re
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from khizana.core.config import env

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
            from django.core.management.utils import get_random_secret_key

            key_file.write_text(get_random_secret_key())
            key_file.chmod(0o600)
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
    "khizana.federation",
    "oauth2_provider",  # Khizana as an OpenID Connect provider (khizana/federation)
    "djangosaml2",  # Khizana as a SAML service provider of the institutions (khizana/federation)
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a throttled sign-in with ratelimit.locked_out
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

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "khizana" / "templates"],
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
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL", ""), conn_max_age=60)}
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
        }
    }

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
# the registrations (khizana/federation/institution_views.py); the service provider's entity id (empty:
# its metadata address as the request reaches it); requests sent by HTTP-Redirect; django-csp's own
# headers are kept (no djangosaml2 CSP decorator).
KHIZANA_SAML_SP_ENTITY_ID = env("KHIZANA_SAML_SP_ENTITY_ID", "")
SAML_CONFIG_LOADER = "khizana.federation.institution_views.sp_config"
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CSP_HANDLER = ""
SAML_SESSION_COOKIE_SAMESITE = "None" if SESSION_COOKIE_SECURE else "Lax"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

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
