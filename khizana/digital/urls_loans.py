"""URLs of the digital library: loans part."""

urlpatterns: list = []
