"""URLs of the digital library: staff part."""

urlpatterns: list = []
