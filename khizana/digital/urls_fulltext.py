"""URLs of the digital library: fulltext part."""

urlpatterns: list = []
