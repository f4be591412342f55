"""Settings for the test suite: the production settings with a private, throw-away data directory."""

import os
import tempfile

os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-test-"))
os.environ.setdefault("KHIZANA_PLAIN_STATIC", "1")

from khizana.settings import *  # noqa: E402,F403
