"""URLs of the digital library: iiif part."""

urlpatterns: list = []
