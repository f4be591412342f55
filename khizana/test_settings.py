"""Settings for the test suite: the production settings with a private, throw-away data directory."""

import os
import tempfile

os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-test-"))
os.environ.setdefault("KHIZANA_PLAIN_STATIC", "1")

from khizana.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: module-scoped fixtures and other processes see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Django's own advice for test suites: the production hasher costs 0.2 s a password, and fixtures make
# thousands of users (the installations tests start as other processes keep the production settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
HUEY = {**HUEY, "immediate": True}  # noqa: F405  (jobs run inside the test)
# The harvest tests serve OAI-PMH pages on loopback (khizana/harvest/tests/server.py); the SSRF tests
# set this back to [] to see loopback refused.
KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
# Fair use and load shedding are off: many tests send bursts of requests from one address.
# khizana/operations/tests/test_shedding.py turns them on for itself.
KHIZANA_RATE_ENABLED = False
KHIZANA_SHED_ENABLED = False
