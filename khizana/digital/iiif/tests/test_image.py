"""IIIF Image API request parsing, tile maths and rendering, without Django, on the validator's image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from khizana.digital.iiif import image as iiif_image
from khizana.digital.iiif.image import IIIFError, Limits, parse_request
from khizana.digital.tests.iiif_support import validator_image

W, H = 1000, 1000


def status_of(*args: str, width: int = W, height: int = H, limits: Limits | None = None) -> int:
    with pytest.raises(IIIFError) as raised:
        parse_request(*args, width, height, limits or Limits())
    return raised.value.status


@pytest.mark.parametrize(
    ("region", "box"),
    [
        ("full", (0, 0, 1000, 1000)),
        ("square", (0, 0, 1000, 1000)),
        ("100,200,300,400", (100, 200, 300, 400)),
        ("900,900,500,500", (900, 900, 100, 100)),  # clipped to the image
        ("pct:10,20,30,40", (100, 200, 300, 400)),
        ("pct:0.5,0,50,100", (5, 0, 500, 1000)),
    ],
)
def test_region_forms(region, box):
    assert iiif_image.parse_region(region, W, H) == box


def test_square_of_a_portrait_page_is_centred():
    assert iiif_image.parse_region("square", 400, 1000) == (0, 300, 400, 400)


@pytest.mark.parametrize(
    ("size", "region", "expected"),
    [
        ("max", (1000, 1000), (1000, 1000)),
        ("^max", (1000, 1000), (1000, 1000)),
        ("500,", (1000, 500), (500, 250)),
        (",250", (1000, 500), (500, 250)),
        ("pct:25", (1000, 500), (250, 125)),
        ("300,100", (1000, 500), (300, 100)),  # distorted, as asked
        ("!300,300", (1000, 500), (300, 150)),
        ("!2000,3000", (1000, 500), (1000, 500)),  # as large as possible but not above the region
        ("^!2000,3000", (1000, 500), (2000, 1000)),
        ("^1500,", (1000, 500), (1500, 750)),
        ("^,1000", (1000, 500), (2000, 1000)),
        ("^pct:150", (1000, 500), (1500, 750)),
        ("^1200,700", (1000, 500), (1200, 700)),
    ],
)
def test_size_forms(size, region, expected):
    assert iiif_image.parse_size(size, *region, Limits()) == expected


def test_max_keeps_within_the_server_limits_and_info_says_so():
    limits = Limits(max_width=2000, max_height=2000, max_area=3_000_000)
    assert iiif_image.parse_size("max", 4000, 6000, limits) == (1333, 2000)
    info = iiif_image.info_json("http://x/iiif/3/1-1", 4000, 6000, limits)
    assert (info["maxWidth"], info["maxHeight"], info["maxArea"]) == (2000, 2000, 3_000_000)
    assert "maxWidth" not in iiif_image.info_json("http://x/iiif/3/1-1", 1000, 1000, limits)
    assert status_of("full", "4000,", "0", "default.jpg", width=4000, height=6000, limits=limits) == 400


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("nonsense", "max", "0", "default.jpg"), 400),
        (("0,0,0,10", "max", "0", "default.jpg"), 400),  # no width
        (("1000,0,10,10", "max", "0", "default.jpg"), 400),  # outside
        (("pct:101,0,10,10", "max", "0", "default.jpg"), 400),
        (("full", "1500,", "0", "default.jpg"), 400),  # upscaling without ^
        (("full", "pct:200", "0", "default.jpg"), 400),
        (("full", "0,", "0", "default.jpg"), 400),
        (("full", "full", "0", "default.jpg"), 400),  # 2.x syntax
        (("full", "max", "361", "default.jpg"), 400),
        (("full", "max", "-90", "default.jpg"), 400),
        (("full", "max", "0", "native.jpg"), 400),
        (("full", "max", "0", "default.xyz"), 400),
        (("full", "max", "0", "default"), 400),
        (("full", "max", "0", "default.jp2"), 501),
        (("full", "max", "0", "default.pdf"), 501),
    ],
)
def test_errors(args, status):
    assert status_of(*args) == status


def test_rotation_and_mirroring():
    assert iiif_image.parse_rotation("!90") == (True, 90.0)
    assert iiif_image.parse_rotation("22.5") == (False, 22.5)
    assert iiif_image.parse_rotation("360") == (False, 0.0)


def test_identifiers():
    assert iiif_image.parse_identifier("12-3") == (12, 3)
    for wrong in ("12", "a-1", "0-1", "1-0", "1-2-3", "[frob]", "12-3.jpg"):
        with pytest.raises(IIIFError) as raised:
            iiif_image.parse_identifier(wrong)
        assert raised.value.status == 404


def test_info_json_tiles_and_sizes():
    info = iiif_image.info_json(
        "http://x/iiif/3/1-1", 4000, 6000, rights="http://rightsstatements.org/vocab/NoC-NC/1.0/"
    )
    assert (
        info["type"] == "ImageService3"
        and info["profile"] == "level2"
        and info["protocol"] == iiif_image.PROTOCOL
    )
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4, 8, 16]}]
    assert info["sizes"][-1] == {"width": 4000, "height": 6000} and info["sizes"][0]["height"] < 128
    assert info["rights"].startswith("http://rightsstatements.org/")
    assert "rights" not in iiif_image.info_json("http://x/iiif/3/1-1", 10, 10, rights="Public domain")


def test_tile_requests_cover_every_level_and_stay_within_one_tile():
    paths = iiif_image.tile_requests(1000, 1500)
    assert len(paths) == 2 * 3 + 1 * 2 + 1  # 512-pixel tiles at scale 1, 2 and 4
    for path in paths:
        region, size = path.split("/")
        plan = parse_request(region, size, "0", "default.jpg", 1000, 1500)
        assert max(plan.size) <= 512


def decode(plan_args: tuple[str, str, str, str]) -> Image.Image:
    with Image.open(io.BytesIO(validator_image())) as source:
        data = iiif_image.render(source, parse_request(*plan_args, W, H))
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(
    ("args", "size", "mode", "fmt"),
    [
        (("full", "max", "0", "default.jpg"), (1000, 1000), "RGB", "JPEG"),
        (("square", "250,", "0", "color.png"), (250, 250), "RGB", "PNG"),
        (("100,100,300,200", "max", "90", "default.jpg"), (200, 300), "RGB", "JPEG"),
        (("100,100,300,200", "150,", "180", "gray.png"), (150, 100), "L", "PNG"),
        (("full", ",100", "!270", "bitonal.png"), (100, 100), "L", "PNG"),
        (("pct:0,0,50,50", "pct:50", "0", "default.webp"), (250, 250), "RGB", "WEBP"),
        (("full", "^1200,", "0", "default.gif"), (1200, 1200), "P", "GIF"),
        (("full", "100,", "0", "default.tif"), (100, 100), "RGB", "TIFF"),
        (("full", "!200,100", "0", "default.jpg"), (100, 100), "RGB", "JPEG"),
    ],
)
def test_rendered_pixels(args, size, mode, fmt):
    image = decode(args)
    assert (image.size, image.mode, image.format) == (size, mode, fmt)


def test_arbitrary_rotation_grows_the_canvas():
    image = decode(("full", "100,", "45", "default.png"))
    assert image.size in ((141, 141), (142, 142))


def test_bitonal_has_only_black_and_white_and_mirroring_moves_the_squares():
    bitonal = decode(("full", "200,", "0", "bitonal.png"))
    assert {value for _count, value in bitonal.getcolors()} <= {0, 255}
    plain, mirrored = (
        decode(("full", "100,", "0", "default.png")),
        decode(("full", "100,", "!0", "default.png")),
    )
    assert plain.getpixel((5, 5)) == mirrored.getpixel((94, 5))
    assert plain.getpixel((5, 5)) != plain.getpixel((94, 5))


def test_jpeg_source_is_decoded_reduced_for_small_outputs():
    source = io.BytesIO()
    with Image.open(io.BytesIO(validator_image())) as image:
        image.convert("RGB").resize((4000, 4000)).save(source, "JPEG")
    with Image.open(io.BytesIO(source.getvalue())) as image:
        plan = parse_request("2048,0,1952,2048", "244,256", "0", "default.jpg", 4000, 4000)
        out = Image.open(io.BytesIO(iiif_image.render(image, plan)))
        assert image.size == (500, 500)  # draft mode: decoded at 1/8
    assert out.size == (244, 256)


def test_canonical_form():
    plan = parse_request("full", "pct:50", "!90", "default.jpg", W, H)
    assert plan.canonical(W, H) == "full/500,500/!90/default.jpg"
    assert (
        parse_request("0,0,1000,1000", "1000,", "0", "gray.png", W, H).canonical(W, H)
        == "full/max/0/gray.png"
    )
    assert (
        parse_request("1,2,3,4", "^6,", "22.50", "default.jpg", W, H).canonical(W, H)
        == "1,2,3,4/^6,8/22.5/default.jpg"
    )
