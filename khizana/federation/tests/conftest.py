import pytest


@pytest.fixture
def http_redirect_uris(settings):
    """Khizana's own OIDC provider as the peer of a test: its client's redirect URI is the live server's,
    over http (production allows https redirect URIs only)."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]}
