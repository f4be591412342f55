"""URLs of the digital library: reader part."""

urlpatterns: list = []
