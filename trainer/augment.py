"""Field-photo augmentation for lab leaves: each function is one effect, `augment` chains them.

PlantVillage leaves sit on plain cards in even light; the app sees leaves on soil, among plants, in
sun and shade, slightly blurred. Compositing lab leaves onto other backgrounds is the strongest of
these against learning the card instead of the disease.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

Rng = np.random.Generator


def leaf_alpha(img: np.ndarray) -> np.ndarray:
    """Soft leaf mask for a lab photo: saturated, not dark (cards are grey, white or black)."""
    small = np.asarray(Image.fromarray(img).resize((img.shape[1] // 4, img.shape[0] // 4), Image.Resampling.BILINEAR))
    f = small.astype(np.float32)
    mx, mn = f.max(axis=2), f.min(axis=2)
    leaf = ((mx - mn) / (mx + 1e-3) > 0.2) & (mx > 45)
    m = Image.fromarray((leaf * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(2))
    m = Image.fromarray(((np.asarray(m) > 70) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    return np.asarray(m.resize((img.shape[1], img.shape[0]), Image.Resampling.BILINEAR), np.float32)[..., None] / 255.0


def procedural_background(size: int, rng: Rng) -> np.ndarray:
    """Soil / foliage / sky-like colour field with low-frequency texture."""
    palette = np.array([[110, 80, 55], [80, 60, 40], [70, 110, 50], [40, 80, 35], [150, 140, 120], [170, 190, 210], [90, 90, 90]])
    base = palette[rng.integers(len(palette))] * rng.uniform(0.6, 1.3)
    grid = rng.normal(0, 30, (rng.integers(3, 12), rng.integers(3, 12), 3))
    low = np.asarray(Image.fromarray(np.clip(grid + 128, 0, 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC))
    fine = rng.normal(0, rng.uniform(2, 14), (size, size, 1))
    return np.clip(base + (low.astype(np.float32) - 128) + fine, 0, 255).astype(np.float32)


def composite(img: np.ndarray, background: np.ndarray | None, rng: Rng) -> np.ndarray:
    size = img.shape[0]
    if background is None:
        bg = procedural_background(size, rng)
    else:
        blurred = Image.fromarray(background).filter(ImageFilter.GaussianBlur(rng.uniform(0, 3)))
        bg = np.asarray(blurred.resize((size, size), Image.Resampling.BILINEAR), np.float32)
    a = leaf_alpha(img)
    return (img.astype(np.float32) * a + bg * (1 - a)).clip(0, 255).astype(np.uint8)


def random_resized_crop(img: np.ndarray, size: int, rng: Rng, scale: tuple[float, float] = (0.35, 1.0)) -> Image.Image:
    h, w = img.shape[:2]
    area = h * w * rng.uniform(*scale)
    ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    cw, ch = min(w, round(np.sqrt(area * ratio))), min(h, round(np.sqrt(area / ratio)))
    x, y = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
    return Image.fromarray(img).resize((size, size), Image.Resampling.BILINEAR, box=(x, y, x + cw, y + ch))


def rotate_flip(im: Image.Image, rng: Rng) -> Image.Image:
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    if rng.random() < 0.4:
        fill = tuple(int(v) for v in np.asarray(im).reshape(-1, 3).mean(0))
        im = im.rotate(rng.uniform(-30, 30), Image.Resampling.BILINEAR, fillcolor=fill)  # type: ignore[arg-type]
    return im


def colour_jitter(x: np.ndarray, rng: Rng) -> np.ndarray:
    x = x * rng.uniform(0.65, 1.35)  # brightness
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.7, 1.3) + mean  # contrast
    gray = x.mean(axis=2, keepdims=True)
    x = gray + (x - gray) * rng.uniform(0.7, 1.3)  # saturation
    return x * rng.uniform(0.92, 1.08, 3)  # white balance


def shadow(x: np.ndarray, rng: Rng) -> np.ndarray:
    """Darken one side of a random soft line, like a hand or plant casting shade."""
    h, w = x.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    d = (xx - rng.uniform(0, w)) * np.cos(angle) + (yy - rng.uniform(0, h)) * np.sin(angle)
    side = 1 / (1 + np.exp(-d / rng.uniform(2, 12)))
    return x * (1 - side[..., None] * rng.uniform(0.3, 0.6))


def occlude(x: np.ndarray, rng: Rng) -> np.ndarray:
    h, w = x.shape[:2]
    oh, ow = int(h * rng.uniform(0.1, 0.35)), int(w * rng.uniform(0.1, 0.35))
    y, x0 = rng.integers(0, h - oh + 1), rng.integers(0, w - ow + 1)
    x = x.copy()
    x[y : y + oh, x0 : x0 + ow] = rng.uniform(0, 255, 3) + rng.normal(0, 10, (oh, ow, 3))
    return x


def augment(img: np.ndarray, size: int, rng: Rng, lab: bool, backgrounds: np.ndarray | None, strength: float = 1.0) -> np.ndarray:
    """img: uint8 HWC at store size -> uint8 size x size x 3. `strength` scales how often each effect fires."""
    s = strength
    if lab and rng.random() < 0.4 * s:
        scene = None
        if backgrounds is not None and len(backgrounds) > 0 and rng.random() < 0.5:
            scene = backgrounds[rng.integers(len(backgrounds))]
        img = composite(img, scene, rng)
    im = rotate_flip(random_resized_crop(img, size, rng, (1 - 0.65 * s, 1.0)), rng)
    if rng.random() < 0.25 * s:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    x = np.asarray(im, np.float32)
    if rng.random() < min(1.0, 1.5 * s):
        x = colour_jitter(x, rng)
    if rng.random() < 0.3 * s:
        x = shadow(x, rng)
    if rng.random() < 0.25 * s:
        x = occlude(x, rng)
    return np.clip(x, 0, 255).astype(np.uint8)
