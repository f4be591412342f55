"""Page images: the IIIF Image API 3.0 (image.py, no Django; views.py), the tile cache (tilecache.py), the
Presentation 3 manifests (manifests.py) and the OpenSeadragon page viewer (viewer.py)."""
