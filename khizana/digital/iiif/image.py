"""IIIF Image API 3.0 without Django: identifiers, request parsing, size/tile maths, info.json, rendering.

A request ``{region}/{size}/{rotation}/{quality}.{format}`` on an image of ``width`` x ``height`` pixels is
parsed into a :class:`Plan` (crop box, output size, rotation, mirroring, quality, format) or refused with an
:class:`IIIFError` carrying the HTTP status the specification asks for: 400 for a malformed or impossible
request, 501 for a well-formed one this server does not implement. :func:`render` turns a Pillow image and a
plan into the encoded bytes.

Server limits: ``Limits(max_width, max_height, max_area)`` bound every output image. They are announced in
info.json only for an image larger than them (``max`` is then the largest size within them); a smaller image
is served up to its full size, and ``^`` upscaling up to the limits.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

from PIL import Image, ImageOps

IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"
LEVEL2_PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
TILE_SIZE = 512

QUALITIES = ("default", "color", "gray", "bitonal")
# Formats served, with their media type and Pillow encoder; the IIIF formats below them are valid requests
# this server does not implement (501).
FORMATS = {
    "jpg": ("image/jpeg", "JPEG"),
    "png": ("image/png", "PNG"),
    "webp": ("image/webp", "WEBP"),
    "gif": ("image/gif", "GIF"),
    "tif": ("image/tiff", "TIFF"),
}
KNOWN_UNSUPPORTED_FORMATS = ("jp2", "pdf")
EXTRA_FORMATS = ["webp", "gif", "tif"]  # beyond level 2's jpg and png
EXTRA_FEATURES = ["mirroring", "rotationArbitrary", "regionSquare", "sizeUpscaling", "canonicalLinkHeader",
                  "profileLinkHeader", "cors", "jsonldMediaType", "baseUriRedirect"]  # fmt: skip

_IDENTIFIER = re.compile(r"^([1-9][0-9]{0,11})-([1-9][0-9]{0,5})$")
_INT = r"(0|[1-9][0-9]*)"
_FLOAT = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_REGION_PIXELS = re.compile(rf"^{_INT},{_INT},{_INT},{_INT}$")
_REGION_PERCENT = re.compile(rf"^pct:({_FLOAT}),({_FLOAT}),({_FLOAT}),({_FLOAT})$")
_SIZE_W = re.compile(rf"^{_INT},$")
_SIZE_H = re.compile(rf"^,{_INT}$")
_SIZE_WH = re.compile(rf"^(!?){_INT},{_INT}$")
_SIZE_PCT = re.compile(rf"^pct:({_FLOAT})$")
_ROTATION = re.compile(rf"^(!?)({_FLOAT})$")
_FILENAME = re.compile(r"^([a-z]+)\.([a-z0-9]+)$")


class IIIFError(Exception):
    """A request the server refuses, with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    max_width: int = 10_000
    max_height: int = 10_000
    max_area: int = 50_000_000


@dataclass(frozen=True)
class Plan:
    """What to do to the source image: crop ``region`` (x, y, w, h), scale to ``size`` (w, h), mirror, rotate
    clockwise by ``rotation`` degrees, convert to ``quality``, encode as ``format``."""

    region: tuple[int, int, int, int]
    size: tuple[int, int]
    mirror: bool
    rotation: float
    quality: str
    format: str

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][0]

    def canonical(self, width: int, height: int, limits: Limits = Limits()) -> str:
        """The canonical URI path of this request (spec 4.7): region, size, rotation, quality.format."""
        x, y, w, h = self.region
        region = "full" if (x, y, w, h) == (0, 0, width, height) else f"{x},{y},{w},{h}"
        max_size = fit_within(w, h, limits, upscale=False)
        upscaled = "^" if self.size[0] > w or self.size[1] > h else ""
        size = "max" if self.size == max_size else f"{upscaled}{self.size[0]},{self.size[1]}"
        rotation = f"{'!' if self.mirror else ''}{_number(self.rotation)}"
        return f"{region}/{size}/{rotation}/{self.quality}.{self.format}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0").rstrip(".")


def parse_identifier(identifier: str) -> tuple[int, int]:
    """``<item id>-<page sequence>`` -> (item id, sequence); anything else is unknown (404)."""
    found = _IDENTIFIER.match(identifier)
    if not found:
        raise IIIFError(404, f"unknown image identifier {identifier!r}")
    return int(found.group(1)), int(found.group(2))


def make_identifier(item_id: int, sequence: int) -> str:
    return f"{item_id}-{sequence}"


# ---------------------------------------------------------------------------------------------- parsing


def parse_region(text: str, width: int, height: int) -> tuple[int, int, int, int]:
    """The crop box (x, y, w, h) in source pixels, clipped to the image."""
    if text == "full":
        return 0, 0, width, height
    if text == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    pixels = _REGION_PIXELS.match(text)
    if pixels:
        x, y, w, h = (int(v) for v in pixels.groups())
    else:
        percent = _REGION_PERCENT.match(text)
        if not percent:
            raise IIIFError(400, f"invalid region {text!r}")
        px, py, pw, ph = (float(v) for v in percent.groups())
        if any(v > 100 for v in (px, py)):
            raise IIIFError(400, f"region {text!r} lies outside the image")
        x, y = round(px * width / 100), round(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
    if w <= 0 or h <= 0:
        raise IIIFError(400, f"region {text!r} has no width or height")
    if x >= width or y >= height:
        raise IIIFError(400, f"region {text!r} lies outside the {width}x{height} image")
    return x, y, min(w, width - x), min(h, height - y)


def fit_within(w: int, h: int, limits: Limits, upscale: bool) -> tuple[int, int]:
    """The largest size of aspect ratio w:h within the limits (and within w x h unless ``upscale``)."""
    scale = min(limits.max_width / w, limits.max_height / h, math.sqrt(limits.max_area / (w * h)))
    if not upscale:
        scale = min(scale, 1.0)
    return max(1, int(w * scale + 1e-9)), max(1, int(h * scale + 1e-9))


def parse_size(text: str, region_w: int, region_h: int, limits: Limits) -> tuple[int, int]:
    """The output size (w, h) for a region of region_w x region_h pixels."""
    upscale = text.startswith("^")
    body = text[1:] if upscale else text
    if body == "max":
        return fit_within(region_w, region_h, limits, upscale=False)
    if found := _SIZE_W.match(body):
        w = int(found.group(1))
        size = (w, round(region_h * w / region_w))
    elif found := _SIZE_H.match(body):
        h = int(found.group(1))
        size = (round(region_w * h / region_h), h)
    elif found := _SIZE_PCT.match(body):
        n = float(found.group(1))
        size = (round(region_w * n / 100), round(region_h * n / 100))
    elif found := _SIZE_WH.match(body):
        confined, w, h = found.group(1) == "!", int(found.group(2)), int(found.group(3))
        if confined:
            scale = min(w / region_w, h / region_h)
            if not upscale:
                scale = min(scale, 1.0)
            size = (max(1, int(region_w * scale + 1e-9)), max(1, int(region_h * scale + 1e-9)))
        else:
            size = (w, h)
    else:
        raise IIIFError(400, f"invalid size {text!r}")
    if size[0] <= 0 or size[1] <= 0:
        raise IIIFError(400, f"size {text!r} gives an empty image")
    if not upscale and (size[0] > region_w or size[1] > region_h):
        raise IIIFError(400, f"size {text!r} is larger than the region; ask with '^' to upscale")
    if size[0] > limits.max_width or size[1] > limits.max_height or size[0] * size[1] > limits.max_area:
        raise IIIFError(400, f"size {text!r} exceeds this server's limits")
    return size


def parse_rotation(text: str) -> tuple[bool, float]:
    """(mirror, clockwise degrees)."""
    found = _ROTATION.match(text)
    if not found:
        raise IIIFError(400, f"invalid rotation {text!r}")
    degrees = float(found.group(2))
    if degrees > 360:
        raise IIIFError(400, f"rotation {text!r} is above 360 degrees")
    return found.group(1) == "!", degrees % 360


def parse_filename(text: str) -> tuple[str, str]:
    """``quality.format`` -> (quality, format)."""
    found = _FILENAME.match(text)
    if not found:
        raise IIIFError(400, f"invalid quality and format {text!r}")
    quality, fmt = found.groups()
    if quality not in QUALITIES:
        raise IIIFError(400, f"invalid quality {quality!r}")
    if fmt in KNOWN_UNSUPPORTED_FORMATS:
        raise IIIFError(501, f"format {fmt!r} is not served here")
    if fmt not in FORMATS:
        raise IIIFError(400, f"invalid format {fmt!r}")
    return quality, fmt


def parse_request(
    region: str, size: str, rotation: str, filename: str, width: int, height: int, limits: Limits = Limits()
) -> Plan:
    """The whole image request on a width x height image; raises IIIFError."""
    box = parse_region(region, width, height)
    mirror, degrees = parse_rotation(rotation)
    quality, fmt = parse_filename(filename)
    output = parse_size(size, box[2], box[3], limits)
    return Plan(region=box, size=output, mirror=mirror, rotation=degrees, quality=quality, format=fmt)


# ----------------------------------------------------------------------------------------- tiles, info


def scale_factors(width: int, height: int, tile: int = TILE_SIZE) -> list[int]:
    """Powers of two until the whole image fits in one tile."""
    factors = [1]
    while max(width, height) / factors[-1] > tile:
        factors.append(factors[-1] * 2)
    return factors


def pyramid_sizes(width: int, height: int, limits: Limits = Limits(), smallest: int = 64) -> list[dict]:
    """Whole-image sizes worth asking for (thumbnails, previews): halvings of the largest allowed size."""
    w, h = fit_within(width, height, limits, upscale=False)
    sizes = []
    while True:
        sizes.append({"width": w, "height": h})
        if max(w, h) // 2 < smallest:
            break
        w, h = max(1, math.ceil(w / 2)), max(1, math.ceil(h / 2))
    return sorted(sizes, key=lambda s: s["width"])


def info_json(
    service_id: str,
    width: int,
    height: int,
    limits: Limits = Limits(),
    rights: str = "",
    tile: int = TILE_SIZE,
) -> dict:
    """The info.json of an image (Image API 3.0, level 2)."""
    info: dict = {
        "@context": IMAGE_CONTEXT,
        "id": service_id,
        "type": "ImageService3",
        "protocol": PROTOCOL,
        "profile": "level2",
        "width": width,
        "height": height,
    }
    if fit_within(width, height, limits, upscale=False) != (width, height):
        info.update(maxWidth=limits.max_width, maxHeight=limits.max_height, maxArea=limits.max_area)
    info["sizes"] = pyramid_sizes(width, height, limits)
    info["tiles"] = [{"width": tile, "height": tile, "scaleFactors": scale_factors(width, height, tile)}]
    info["extraQualities"] = ["color", "gray", "bitonal"]
    info["extraFormats"] = EXTRA_FORMATS
    info["extraFeatures"] = EXTRA_FEATURES
    if rights.startswith(("http://", "https://")):
        info["rights"] = rights
    return info


def tile_requests(width: int, height: int, tile: int = TILE_SIZE) -> list[str]:
    """Every tile request (region/size) a deep-zoom viewer makes, following the spec's tile algorithm."""
    paths = []
    for factor in scale_factors(width, height, tile):
        span = tile * factor
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                out_w, out_h = math.ceil(w / factor), math.ceil(h / factor)
                region = "full" if (x, y, w, h) == (0, 0, width, height) else f"{x},{y},{w},{h}"
                paths.append(f"{region}/{out_w},{out_h}")
    return paths


# --------------------------------------------------------------------------------------------- render


def _reduce_on_decode(image: Image.Image, plan: Plan) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Let the JPEG decoder shrink a not yet decoded image by 2/4/8 when the output is that much smaller."""
    x, y, w, h = plan.region
    if image.format != "JPEG":
        return image, plan.region
    factor = min(w / plan.size[0], h / plan.size[1])
    if factor < 2:
        return image, plan.region
    full_w, full_h = image.size
    image.draft(image.mode, (math.ceil(full_w / factor), math.ceil(full_h / factor)))
    sx, sy = image.size[0] / full_w, image.size[1] / full_h
    return image, (int(x * sx), int(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))


def render(image: Image.Image, plan: Plan, decoded: bool = False) -> bytes:
    """The encoded image the plan asks for, from a Pillow image: just opened (``decoded`` False: a JPEG is
    then decoded at a reduced scale when it can be) or already decoded in memory."""
    image, (x, y, w, h) = (image, plan.region) if decoded else _reduce_on_decode(image, plan)
    result = image.crop((x, y, x + w, y + h))
    if result.mode not in ("RGB", "L"):
        result = (
            _flatten(result) if "A" in result.mode or "transparency" in result.info else result.convert("RGB")
        )
    if result.size != plan.size:
        result = result.resize(
            plan.size,
            Image.Resampling.LANCZOS if plan.size[0] < w else Image.Resampling.BICUBIC,
            reducing_gap=3.0,
        )
    if plan.mirror:
        result = ImageOps.mirror(result)
    if plan.rotation:
        result = _rotate(result, plan.rotation)
    if plan.quality == "gray":
        result = result.convert("L")
    elif plan.quality == "bitonal":
        result = result.convert("L").point(lambda v: 255 if v >= 128 else 0)
    return encode(result, plan.format)


def _flatten(image: Image.Image) -> Image.Image:
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
    return background


def _rotate(image: Image.Image, degrees: float) -> Image.Image:
    exact = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}
    if degrees in exact:
        return image.transpose(exact[int(degrees)])
    # Pillow turns anticlockwise; IIIF clockwise. The corners outside the image are white.
    fill = 255 if image.mode == "L" else (255, 255, 255)
    return image.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=fill)


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    encoder = FORMATS[fmt][1]
    if encoder == "JPEG":
        image.save(out, "JPEG", quality=85, optimize=False)
    elif encoder == "PNG":
        image.save(out, "PNG", compress_level=3)
    elif encoder == "WEBP":
        image.save(out, "WEBP", quality=80, method=2)
    else:
        image.save(out, encoder)
    return out.getvalue()
