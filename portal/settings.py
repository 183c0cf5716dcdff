"""The one settings module, configured from environment variables.

Defaults run the embedded set-up (SQLite, database cache, console email, database task
queue). Production switches are environment variables, documented in README.md.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from portal.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal",
    "knowledgebase",
    "tickets",
    "outages",
    "catalogue",
    "community",
    "insights",
    # after insights: its follow-up tickets' SLA resolver is asked before the tiers' one
    "loyalty",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "django_tasks_db",
    "ninja",
    # Editors translate pages in wagtail-localize's editor; its locales app replaces
    # wagtail.locales (issue 17, knowledgebase/translation.py).
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
]

MIDDLEWARE = [
    # First: the request id is on every log record and response (portal/middleware.py).
    "portal.middleware.RequestIdMiddleware",
    # Under /api/ every 4xx is JSON (an unknown path too): portal/middleware.py.
    "portal.middleware.ApiJsonMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session: anonymous visitors of public pages are answered from the cache.
    "portal.pagecache.VisitorPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The URL's language (/it/ Italian, unprefixed English) on the pages people read; the
    # cookie or Accept-Language elsewhere (portal/i18n_middleware.py, docs/i18n.md).
    "portal.i18n_middleware.LocaleMiddleware",
    # Django's CommonMiddleware, without the trailing-slash redirect under /api/.
    "portal.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages and API answers to a token: Cache-Control: private (portal/middleware.py).
    "portal.middleware.PrivateCacheControlMiddleware",
    # A GET of an unprefixed page by someone who chose Italian (cookie, or a signed-in
    # customer's preference) goes to the /it/ page; after AuthenticationMiddleware.
    "portal.i18n_middleware.LanguageRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signed-in pages served again until a table they read changes (portal/usercache).
    "portal.usercache.SignedInPageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "portal.middleware.AdminContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "outages.context_processors.outage_banner",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if TESTING:
    # Request threads of the browser tests' live server must not keep connections open
    # after the test (PostgreSQL then refuses to drop the test database).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Wagtail's search index uses SearchVectorField and GIN indexes on PostgreSQL.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (``Index(include=...)``) are for PostgreSQL; SQLite builds them on their
# key columns only, which is what it needs at its sizes (models.W040 says so on SQLite).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache and rate limits ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Django's Redis cache that degrades to a per-process cache while Redis is down, with a
    # circuit breaker and short socket timeouts (portal/cache_backend.py): no 500s meanwhile.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache_backend.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif TESTING:
    # The tests' cache is per process (fast, counted queries stay exact); a test proves the
    # embedded default below is shared (tests/portal/test_shared_cache.py).
    CACHES = {"default": {"BACKEND": "portal.cache_backend.LocalCache"}}
else:
    # Embedded default: the database cache in the portal's database (table made by portal's
    # migration 0011), shared by web and task workers like Redis: MFA codes used once, rate
    # limits and warmed dashboards must not be per process (check --deploy refuses that).
    CACHES = {
        "default": {
            "BACKEND": "portal.cache_backend.SharedDatabaseCache",
            "LOCATION": "portal_cache",
            # Culling drops entries at random beyond this (rate limits, used MFA codes too).
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},
        }
    }

# Full-page cache of public pages for anonymous visitors (portal.pagecache); off in tests.
PORTAL_VISITOR_CACHE = env_bool("PORTAL_VISITOR_CACHE", default=not TESTING)
# Signed-in pages kept per person and session until a table they read is written, at most
# this many seconds (portal.usercache); off in tests, like the visitor cache. Every process
# (web and task workers) must agree: it also switches the table versions on.
PORTAL_SIGNED_IN_CACHE = env_bool("PORTAL_SIGNED_IN_CACHE", default=not TESTING)
PORTAL_SIGNED_IN_CACHE_SECONDS = env_int("PORTAL_SIGNED_IN_CACHE_SECONDS", 30)

# --- Background tasks ---------------------------------------------------------------------
TASK_BACKEND = env_str(
    "TASK_BACKEND",
    "django.tasks.backends.immediate.ImmediateBackend"
    if TESTING
    else "django_tasks_db.DatabaseBackend",
)
# Three queues, each with its own worker in `make run` and deploy/ (see portal/worker.py):
# "urgent" (outage notices), "default" (event notifications, fulfilment, the periodic passes),
# "bulk" (surveys, digests, rollups): urgent work never waits behind a burst of bulk work.
TASK_QUEUES = ["urgent", "default", "bulk"]
TASKS = {"default": {"BACKEND": TASK_BACKEND, "QUEUES": TASK_QUEUES}}
# A RUNNING task whose worker has not been seen for this long is put back in its queue (or
# failed after TASKS_MAX_ATTEMPTS runs); workers record that they are alive every
# TASKS_HEARTBEAT_SECONDS.
TASKS_LEASE_SECONDS = env_int("TASKS_LEASE_SECONDS", 120)
TASKS_MAX_ATTEMPTS = env_int("TASKS_MAX_ATTEMPTS", 3)
TASKS_HEARTBEAT_SECONDS = env_int("TASKS_HEARTBEAT_SECONDS", 5)
# Emails queued by one bulk task (surveys, digests) are spread out at this rate (0: at once).
TASKS_BULK_EMAILS_PER_MINUTE = env_int("TASKS_BULK_EMAILS_PER_MINUTE", 600)
# /healthz answers 503 when no worker was seen for this long, or a ready task waits longer.
HEALTH_WORKER_STALE_SECONDS = env_int("HEALTH_WORKER_STALE_SECONDS", 60)
HEALTH_QUEUE_MAX_AGE_SECONDS = env_int("HEALTH_QUEUE_MAX_AGE_SECONDS", 300)

# --- Email --------------------------------------------------------------------------------
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
_email_choice = env_str("EMAIL_BACKEND", "console")
_email_backend = _EMAIL_BACKENDS.get(_email_choice, _email_choice)  # or a dotted path (anymail)
_email_options: dict = {}
if _email_choice == "file":
    _email_options = {"file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))}
elif _email_choice == "smtp":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
# Django 6.1 mailers: one "default" mailer, chosen by EMAIL_BACKEND.
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Support <support@example.com>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# anymail (EMAIL_BACKEND=anymail.backends.<esp>.EmailBackend) reads its keys from ANYMAIL_*:
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

# --- Authentication (django-allauth) ------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
ACCOUNT_ADAPTER = "portal.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up asks for the name; every form words its labels and the password rule our way.
ACCOUNT_FORMS = {
    "login": "portal.account_forms.LoginForm",
    "signup": "portal.account_forms.SignupForm",
    "add_email": "portal.account_forms.AddEmailForm",
    "change_password": "portal.account_forms.ChangePasswordForm",
    "set_password": "portal.account_forms.SetPasswordForm",
    "reset_password": "portal.account_forms.ResetPasswordForm",
    "reset_password_from_key": "portal.account_forms.ResetPasswordKeyForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Support] "
ACCOUNT_RATE_LIMITS = {
    # allauth defaults, stated so they are visible and tunable in one place
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Support portal")

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
# One date style per language (portal/formats/<lang>/formats.py; issue 18, item 6).
FORMAT_MODULE_PATH = ["portal.formats"]

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Wagtail ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env_str("SITE_NAME", "Support portal")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False  # passwords are managed through allauth
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "txt", "csv", "zip"]
# Admin avatars without Gravatar: it sent each admin's email hash to a third party, and its
# protocol-relative URL is refused by our CSP over plain http (a console error on every
# admin page). Avatars uploaded in the admin still show; the others get Wagtail's default.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# The admin's update check calls releases.wagtail.org from the browser: our CSP refuses it (a
# console error on the dashboard) and upgrades follow uv.lock, not a banner.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Content in both interface languages: the Italian tree under /it/ mirrors the English one,
# an untranslated page being an alias of its source (knowledgebase/translation.py).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
OPENSEARCH_URL = env_str("OPENSEARCH_URL")
if OPENSEARCH_URL:
    WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.opensearch2",
            "URLS": [OPENSEARCH_URL],
            "INDEX": env_str("OPENSEARCH_INDEX", "portal"),
        }
    }
else:
    # Wagtail's database backend (SQLite FTS5 / PostgreSQL full text) with the help centre's
    # ranking: title and tags above the body (see knowledgebase/search_backend.py).
    WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "knowledgebase.search_backend"}}

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Read from the shared cache, written to the database too (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client's address behind your proxies (portal.clientip: login rate limits and ours):
# a header your proxy sets (X-Real-IP, CF-Connecting-IP), or how many proxies of yours append
# to X-Forwarded-For. Neither: REMOTE_ADDR only (a client cannot pick its own address).
TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")

# Content-Security-Policy: strict on every public page (no inline script or style);
# the Wagtail admin and the API docs need inline code, so they get a relaxed policy
# from portal.middleware.AdminContentSecurityPolicyMiddleware.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CSP_RELAXED = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE, CSP.UNSAFE_EVAL],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:", "https:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.SELF, "https:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
SECURE_CSP_RELAXED_PREFIXES = ("/admin/", "/api/v1/docs")

# --- Portal -------------------------------------------------------------------------------
PORTAL_DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - documented demo password
PORTAL_PURCHASE_IMPORT_BATCH = env_int("PORTAL_PURCHASE_IMPORT_BATCH", 20000)
PORTAL_DEFAULT_CURRENCY = env_str("PORTAL_DEFAULT_CURRENCY", "EUR")

# --- Knowledge base -----------------------------------------------------------------------
# A deflection (a suggested article read, then no ticket) counts as a re-contact when the same
# customer opens a ticket or a request on the same product or subject within this many days.
KB_RECONTACT_DAYS = env_int("KB_RECONTACT_DAYS", 7)

# --- Tickets ------------------------------------------------------------------------------
# A customer may reopen a resolved or closed ticket for this long; resolved tickets close
# themselves after TICKETS_AUTO_CLOSE (``manage.py sla_tick``).
TICKETS_REOPEN_WINDOW = timedelta(days=env_int("TICKETS_REOPEN_DAYS", 14))
TICKETS_AUTO_CLOSE = timedelta(days=env_int("TICKETS_AUTO_CLOSE_DAYS", 7))
TICKETS_ATTACHMENT_MAX_BYTES = env_int("TICKETS_ATTACHMENT_MAX_MB", 10) * 1024 * 1024
TICKETS_ATTACHMENTS_PER_MESSAGE = env_int("TICKETS_ATTACHMENTS_PER_MESSAGE", 5)
# Notification emails about a ticket reply to support+T-123@<domain> (the ticket number is
# the address's "+" tag, so a mail gateway can route the answer back to the ticket).
TICKETS_REPLY_TO = env_str("TICKETS_REPLY_TO", "support@example.com")

# --- Email channel, inbound (tickets.services.intake; README "Email in") ------------------
# An unknown sender writing to support: "create" a customer (no login) from the address and
# open a ticket, or "refuse" the message (kept, state refused).
EMAIL_INBOUND_UNKNOWN_SENDER = env_str("EMAIL_INBOUND_UNKNOWN_SENDER", "create")
# A reply to a ticket from someone who may not write on it (not the requester, not a colleague
# where the organisation shares tickets, a spoofed From): "new" opens a ticket of their own,
# "refuse" refuses it. Either way it never lands on that ticket.
EMAIL_INBOUND_FOREIGN_REPLY = env_str("EMAIL_INBOUND_FOREIGN_REPLY", "new")
# Loop and flood protection: messages beyond this many per sender per minute are ignored.
EMAIL_INBOUND_FLOOD_PER_MINUTE = env_int("EMAIL_INBOUND_FLOOD_PER_MINUTE", 20)
# Larger messages are refused by mail_receive (EX_DATAERR) and the webhook (413).
EMAIL_INBOUND_MAX_BYTES = env_int("EMAIL_INBOUND_MAX_MB", 30) * 1024 * 1024
# The inbound webhook (/tickets/mail/inbound/): which provider posts to it ("" = off):
# mailgun, postmark, sendgrid or amazon_ses; verified by ANYMAIL_WEBHOOK_SECRET (basic auth,
# required) and, for Mailgun, ANYMAIL_MAILGUN_WEBHOOK_SIGNING_KEY.
EMAIL_INBOUND_ESP = env_str("EMAIL_INBOUND_ESP", "")
# IMAP mailboxes polled by mail_fetch (and the periodic tick): URLs separated by spaces,
# imaps://user:password@host[:993]/FOLDER, imap+starttls://... or imap://... (plain, local
# only); ?processed=FOLDER moves taken messages there instead of flagging them
# (tickets.email.imap). Empty: no polling.
EMAIL_INBOUND_IMAP = env_str("EMAIL_INBOUND_IMAP", "").split()
for _name, _value, _allowed in (
    ("EMAIL_INBOUND_UNKNOWN_SENDER", EMAIL_INBOUND_UNKNOWN_SENDER, ("create", "refuse")),
    ("EMAIL_INBOUND_FOREIGN_REPLY", EMAIL_INBOUND_FOREIGN_REPLY, ("new", "refuse")),
    ("EMAIL_INBOUND_ESP", EMAIL_INBOUND_ESP, ("", "mailgun", "postmark", "sendgrid", "amazon_ses")),
):
    if _value not in _allowed:
        raise ImproperlyConfigured(f"{_name} must be one of {_allowed}, got {_value!r}")

# --- Community ----------------------------------------------------------------------------
# A new member's posts wait for a moderator until one of them has been approved.
COMMUNITY_PREMODERATE_FIRST_POSTS = env_bool("COMMUNITY_PREMODERATE_FIRST_POSTS", default=True)
# Members who chose the email digest of followed threads get at most one per this many hours.
COMMUNITY_DIGEST_HOURS = env_int("COMMUNITY_DIGEST_HOURS", 24)
# Rate limits per member and bucket: (how many, per seconds); agents and moderators are not
# limited (``community.services.common.rate_limit``, counted by ``portal.ratelimit``).
COMMUNITY_RATES = {"post": (6, 10 * 60), "vote": (30, 10 * 60), "flag": (10, 60 * 60)}

# --- Insights -----------------------------------------------------------------------------
# A customer is "lost" (churn) after an explicit cancellation or when they have not ordered
# for INSIGHTS_INACTIVITY_DAYS. Surveys: at most one per customer per INSIGHTS_SURVEY_MIN_DAYS,
# links valid INSIGHTS_SURVEY_EXPIRY_DAYS, NPS every INSIGHTS_NPS_EVERY_DAYS per customer,
# and the share of triggers that get a survey (percent, per trigger).
# Loyalty (issue 15): points expire this many days after they were earned (FIFO); the
# customer is emailed this many days before.
LOYALTY_POINTS_EXPIRE_DAYS = env_int("LOYALTY_POINTS_EXPIRE_DAYS", 365)
LOYALTY_EXPIRY_NOTICE_DAYS = env_int("LOYALTY_EXPIRY_NOTICE_DAYS", 30)
# A customer below their tier keeps it this many days before moving down (0: at once).
LOYALTY_DOWNGRADE_GRACE_DAYS = env_int("LOYALTY_DOWNGRADE_GRACE_DAYS", 30)
INSIGHTS_INACTIVITY_DAYS = env_int("INSIGHTS_INACTIVITY_DAYS", 180)
INSIGHTS_SURVEY_MIN_DAYS = env_int("INSIGHTS_SURVEY_MIN_DAYS", 30)
INSIGHTS_SURVEY_EXPIRY_DAYS = env_int("INSIGHTS_SURVEY_EXPIRY_DAYS", 14)
INSIGHTS_NPS_EVERY_DAYS = env_int("INSIGHTS_NPS_EVERY_DAYS", 180)
# Metrics read the daily rollups for closed days (off: every metric from the raw rows).
INSIGHTS_ROLLUPS = env_bool("INSIGHTS_ROLLUPS", default=True)
INSIGHTS_SURVEY_SAMPLE_PERCENT = {
    "ticket": env_int("INSIGHTS_SAMPLE_TICKET_PERCENT", 100),
    "request": env_int("INSIGHTS_SAMPLE_REQUEST_PERCENT", 100),
    "schedule": env_int("INSIGHTS_SAMPLE_SCHEDULE_PERCENT", 100),
    "purchase": env_int("INSIGHTS_SAMPLE_PURCHASE_PERCENT", 100),
}

# --- Logging and error tracking -------------------------------------------------------------
# Everything (server errors' tracebacks from ``django.request``, our loggers, the workers) goes
# to stderr (journald, or gunicorn's --capture-output) and, when LOG_FILE is set, also to that
# file, rotated at LOG_FILE_MAX_MB with LOG_FILE_BACKUPS old files kept. Every record carries
# the request id (portal.middleware.RequestIdMiddleware; "-" outside requests).
LOG_FILE = env_str("LOG_FILE")
_log_handlers: dict = {
    "console": {
        "class": "logging.StreamHandler",
        "formatter": "plain",
        "filters": ["request_id"],
    }
}
if LOG_FILE:
    _log_handlers["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": LOG_FILE,
        "maxBytes": env_int("LOG_FILE_MAX_MB", 50) * 1024 * 1024,
        "backupCount": env_int("LOG_FILE_BACKUPS", 5),
        "encoding": "utf-8",
        "delay": True,
        "formatter": "plain",
        "filters": ["request_id"],
    }
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": _log_handlers,
    "root": {"handlers": list(_log_handlers), "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
# Error tracking: server errors (with the request id as a tag) go to Sentry, or any service
# speaking its protocol (GlitchTip, ...), when SENTRY_DSN is set. No personal data is sent.
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        send_default_pii=False,
    )
