import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Sign-ins are many here: a fast hash keeps the suite quick (the hashing is not what is tested)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def http_redirect_uris(settings):
    """Khizana's own OIDC provider as the peer of a test: its client's redirect URI is the live server's,
    over http (production allows https redirect URIs only)."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
