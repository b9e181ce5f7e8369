"""Pictures as files: PNG (palette, signed, described), PDF and SVG with no date or random id, and the
animated GIF with its time bar."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib
import numpy as np
from PIL import Image, PngImagePlugin

from ..signatures import GENERATOR, PNG_SOFTWARE
from ..style import CHANGED_CASING, CHANGED_MARK

DPI = 110
# The GIF: the day maps at their own size (1056 px wide), a frame per day with something new, held
# while nothing changes (up to GIF_HOLD_DAYS frame times) and paused on key days.
GIF_FRAME_MS = 600
GIF_HOLD_DAYS = 3
GIF_KEY_PAUSE_MS = 2400
GIF_MAX_FRAMES = 200
VECTOR_FORMATS = ("pdf", "svg")


def encode_png(image: Any, dpi: float = DPI, description: str | None = None) -> bytes:
    """PNG bytes of an RGBA image or buffer, signed as ours, with no time or version in them; `dpi`
    is recorded so the picture prints at the size it was drawn for, and `description` (the alt text,
    written from the data) goes in a "Description" chunk (iTXt: UTF-8)."""
    image = palette_image(image)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", PNG_SOFTWARE)
    if description:
        info.add_itxt("Description", description, lang="en")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, compress_level=6, dpi=(dpi, dpi))
    return buffer.getvalue()


def palette_image(image: Any) -> Image.Image:
    """An image or RGBA buffer in 256 colours: they lose nothing a map of flat fills needs and make a PNG a
    third of the size; one palette per image keeps the side colours exact, no dithering keeps fills clean.
    A palette image is returned as it is, so a day's PNG and GIF frame share one quantization."""
    if not isinstance(image, Image.Image):
        image = Image.fromarray(np.asarray(image))
    if image.mode == "P":
        return image
    return image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


def encode_vector(fig: Any, fmt: str) -> bytes:
    """PDF or SVG bytes of a figure, with no date, version or random id in them."""
    if fmt not in VECTOR_FORMATS:
        raise ValueError(f"not a vector format: {fmt!r} (use one of {', '.join(VECTOR_FORMATS)})")
    buffer = io.BytesIO()
    metadata = ({"Creator": GENERATOR, "Producer": GENERATOR, "CreationDate": None} if fmt == "pdf"
                else {"Creator": GENERATOR, "Date": None})
    # rc_context restores the settings afterwards: the salt fixes SVG ids, and nothing process-wide changes.
    with matplotlib.rc_context({"svg.hashsalt": GENERATOR, "svg.fonttype": "path", "pdf.compression": 6}):
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


gif_frame = palette_image  # a GIF frame is the day map at its own size, in the PNG's 256 colours

# The GIF's time bar: a strip under each frame with the period, the key days ticked and the day marked.
TIME_BAR_PX = 44
TIME_BAR_FONT_PX = 13


def time_bar(image: Image.Image, day: Any, start: Any, end: Any, key_days: Sequence[Any] = ()) -> Image.Image:
    """`image` (PIL) with a time bar appended below: the period from `start` to `end` as a line, a tick
    on each key day, the days passed filled, and the day as a dot with its date."""
    from PIL import ImageDraw, ImageFont
    from matplotlib import font_manager

    image = image.convert("RGB") if image.mode != "RGB" else image
    width, height = image.size
    out = Image.new("RGB", (width, height + TIME_BAR_PX), "white")
    out.paste(image, (0, 0))
    draw = ImageDraw.Draw(out)
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), TIME_BAR_FONT_PX)
    left, right, y = 24, width - 24, height + 14
    span = max((end - start).days, 1)
    x_of = lambda d: left + (right - left) * (d - start).days / span  # noqa: E731
    draw.line([(left, y), (right, y)], fill="#bbbbbb", width=4)
    draw.line([(left, y), (x_of(day), y)], fill="#333333", width=4)
    for key in key_days:
        if start <= key <= end:
            draw.line([(x_of(key), y - 6), (x_of(key), y + 6)], fill="#333333", width=2)
    x = x_of(day)
    draw.ellipse([x - 7, y - 7, x + 7, y + 7], fill=CHANGED_MARK, outline=CHANGED_CASING, width=2)
    label = f"{day.day} {day:%b %Y}"
    draw.text((left, y + 9), f"{start.day} {start:%b %Y}", fill="#444444", font=font)
    draw.text((right, y + 9), f"{end.day} {end:%b %Y}", fill="#444444", font=font, anchor="ra")
    text_w = draw.textlength(label, font=font)
    at = min(max(x - text_w / 2, left + 110), right - 110 - text_w)
    draw.text((at, y + 9), label, fill="#111111", font=font)
    return out


def animation_gif(frames: Iterable[Image.Image], durations: int | Sequence[int] = GIF_FRAME_MS,
                  description: str | None = None) -> bytes:
    """GIF bytes, one frame per image of `frames` (see gif_frame), looping; durations in milliseconds
    (one for all frames or one per frame); `description` (the alt text) as the GIF's comment."""
    frames = list(frames)
    if not frames:
        raise ValueError("an animation needs at least one frame")
    buffer = io.BytesIO()
    extra = {"comment": description.encode("utf-8")} if description else {}
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0, **extra)
    return buffer.getvalue()
