#!/usr/bin/env python3
"""QR codes in the field: does a phone's preview stream read them at the format's distance?

    .venv/bin/python benchmarks/qr_field.py [--trials 40] [--sweep] [--materials materials]

Each trial photographs one real code (`campaign_kit.printing.qr.encode`) at its printed size, as
the phone's preview stream of the size rule's model sees it (`qr.PREVIEW_PX` across
`qr.PREVIEW_FOV_DEG`) from the format's `viewing_distance_m`: printed dark and light greys, the
sheet tilted 15-20 degrees away from the phone about a random axis, turned up to 15 degrees in
its plane, at a random sub-pixel place; a Gaussian blur of sigma 0.3 module (focus, hand
shake), the sensor's averaging down to preview pixels, placed near the middle of a whole
1920x1080 frame, sensor noise, JPEG. Then zbar (pyzbar) and zxing-cpp each decode the frame,
and a trial counts when the text is the URL.

Prints, for each print format of `formats.yml` and its code (the kit's general link, or its
longest store link), the decode rate of both readers under the old size rule (symbol = distance
/ 10) and under `qr.min_module_mm` (the model's, with its margin), from the stated distance and
from 1.33 and 1.6 times as far. `--sweep` prints the rates against preview pixels per
module, sharp and facing and in the field: the measurement `qr.PREVIEW_PX_PER_MODULE` is chosen
from.
Trials are seeded: the same command prints the same figures.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageChops, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign_kit.printing import qr  # noqa: E402

Decoder = Callable[[Image.Image], list[str]]


@dataclass(frozen=True)
class Field:
    """What stands between the printed code and the decoder."""

    blur_modules: float = 0.3
    """Gaussian sigma, in modules of the code as seen."""
    tilt_deg: tuple[float, float] = (15.0, 20.0)
    """The sheet's angle away from facing the phone (perspective)."""
    roll_deg: float = 15.0
    """Turned in its own plane, either way, up to this."""
    dark: int = 40
    light: int = 210
    """Grey levels of ink and paper under indoor light."""
    surround: int = 150
    """The sheet beyond the quiet zone."""
    noise: float = 4.0
    """Sensor noise, sigma in grey levels."""
    jpeg_quality: int = 80
    supersample: int = 4
    """Drawn this many times finer than preview pixels, then averaged: the sensor's pixels."""


FIELD = Field()


def zbar(image: Image.Image) -> list[str]:
    from pyzbar import pyzbar

    found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [r.data.decode("utf-8", "replace") for r in found]


def zxing(image: Image.Image) -> list[str]:
    return qr.decode_image(image)


DECODERS: dict[str, Decoder] = {"zbar": zbar, "zxing": zxing}


def capture(code: qr.QrCode, module_mm: float, distance_m: float, rng: random.Random,
            field: Field = FIELD) -> Image.Image:
    """One preview frame of `code`, printed with `module_mm` modules, seen from `distance_m`."""
    count = code.payload.modules_with_quiet_zone
    s = field.supersample
    focal = qr.preview_focal_px() * s  # in supersampled pixels
    distance = distance_m * 1000
    half = count * module_mm / 2
    tilt = math.radians(rng.uniform(*field.tilt_deg))
    axis = rng.uniform(0, 2 * math.pi)  # the tilt's axis, in the sheet's plane
    roll = math.radians(rng.uniform(-field.roll_deg, field.roll_deg))

    def project(x: float, y: float) -> tuple[float, float]:
        # Sheet point (mm, centred): turned by `roll`, then tilted about `axis` by `tilt`.
        x, y = x * math.cos(roll) - y * math.sin(roll), x * math.sin(roll) + y * math.cos(roll)
        ax, ay = math.cos(axis), math.sin(axis)
        along, across = x * ax + y * ay, -x * ay + y * ax
        depth = across * math.sin(tilt)
        across *= math.cos(tilt)
        x, y = along * ax - across * ay, along * ay + across * ax
        z = distance + depth
        return focal * x / z, focal * y / z

    corners = [project(-half, -half), project(half, -half), project(half, half), project(-half, half)]
    seen_module = focal * module_mm / distance  # supersampled pixels a module covers, facing
    margin = max(16 * s, 0.2 * count * seen_module)
    left = min(u for u, _ in corners) - margin - rng.uniform(0, s)
    top = min(v for _, v in corners) - margin - rng.uniform(0, s)
    width = math.ceil((max(u for u, _ in corners) + margin - left) / s) * s
    height = math.ceil((max(v for _, v in corners) + margin - top) / s) * s
    placed = [(u - left, v - top) for u, v in corners]
    modules = Image.new("L", (count, count), field.light)
    ink = bytes(field.dark if dark else field.light for row in code.rows for dark in row)
    modules.paste(Image.frombytes("L", (code.payload.modules,) * 2, ink), (qr.QUIET_ZONE,) * 2)
    source = [(0.0, 0.0), (float(count), 0.0), (float(count), float(count)), (0.0, float(count))]
    frame = modules.transform((width, height), Image.Transform.PERSPECTIVE,
                              _homography(placed, source), Image.Resampling.NEAREST,
                              fillcolor=field.surround)
    frame = frame.filter(ImageFilter.GaussianBlur(field.blur_modules * seen_module)).reduce(s)
    # Into the whole preview frame, near its middle (aimed at), as the phone's decoder gets it.
    preview = Image.new("L", (qr.PREVIEW_PX, qr.PREVIEW_PX * 9 // 16), field.surround)
    spare_x, spare_y = preview.width - frame.width, preview.height - frame.height
    if spare_x < 0 or spare_y < 0:
        raise ValueError(f"a {count * module_mm:.0f} mm code fills more than the frame at {distance_m} m")
    preview.paste(frame, (round(spare_x * rng.uniform(0.3, 0.7)), round(spare_y * rng.uniform(0.3, 0.7))))
    frame = ImageChops.add(preview, _noise(preview.size, field.noise, rng), 1.0, -128)
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=field.jpeg_quality)
    return Image.open(io.BytesIO(out.getvalue())).convert("L")


def _noise(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Grey levels around 128, seeded (PIL's own noise is not): the mean of two uniform bytes
    has sigma 255 / sqrt(24), scaled to `sigma`."""
    n = size[0] * size[1]
    a = Image.frombytes("L", size, rng.randbytes(n))
    b = Image.frombytes("L", size, rng.randbytes(n))
    scale = sigma / (255 / math.sqrt(24))
    return ImageChops.add(a, b, 2.0).point(lambda v: round(128 + (v - 127.5) * scale))


def _homography(points: Sequence[tuple[float, float]],
                to: Sequence[tuple[float, float]]) -> tuple[float, ...]:
    """PIL's perspective coefficients: the map taking each of `points` to its `to`."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(points, to, strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y])
        rhs += [u, v]
    return tuple(_solve(rows, rhs))


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns: no numpy needed)."""
    n = len(b)
    m = [row[:] + [value] for row, value in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def decode_rates(url: str, error: qr.ErrorLevel, module_mm: float, distance_m: float, trials: int,
                 seed: int = 0, field: Field = FIELD) -> dict[str, int]:
    """How many of `trials` frames each decoder reads back as `url`."""
    code = qr.encode(url, error)
    rng = random.Random(f"{seed}:{url}:{module_mm}:{distance_m}")
    hits = dict.fromkeys(DECODERS, 0)
    for _ in range(trials):
        frame = capture(code, module_mm, distance_m, rng, field)
        for name, decoder in DECODERS.items():
            hits[name] += decoder(frame) == [url]
    return hits


def old_module_mm(modules: int, distance_m: float) -> float:
    """The rule before the model: the symbol a tenth of the distance wide, modules on a 0.1 mm grid."""
    return math.ceil(round(distance_m * 100 / modules * 10, 6)) / 10


@dataclass(frozen=True)
class Code:
    format_name: str
    what: str
    """"general" (the kit's go link) or "store" (its longest store link: the largest version)."""
    distance_m: float
    url: str
    error: qr.ErrorLevel


def printed_codes(materials: Path) -> list[Code]:
    """Every print format's code in the default kit of `materials`."""
    from campaign_kit.materials import load_project
    from campaign_kit.printing.stores import QR_ERROR as STORE_ERROR
    from campaign_kit.stages.print_pdfs import QR_ERROR

    project = load_project(materials)
    store_url = max((project.go_url(s) for s in project.stores), key=len, default=None)
    found = []
    for name, fmt in sorted(project.formats.items()):
        if fmt.kind in QR_ERROR:
            found.append(Code(name, "general", fmt.viewing_distance_m, project.go_url(), QR_ERROR[fmt.kind]))
        elif fmt.kind in STORE_ERROR and store_url:
            found.append(Code(name, "store", fmt.viewing_distance_m, store_url, STORE_ERROR[fmt.kind]))
    return found


SHARP = Field(blur_modules=0.0, tilt_deg=(0.0, 0.0), roll_deg=0.0)
"""Printed greys, noise and JPEG only: what the field's blur and tilt cost."""
FARTHER = (1.0, 4 / 3, 1.6)
"""Distances tried, as multiples of the stated one."""


def sweep(trials: int) -> None:
    url = "https://bluezone.langson.gov.vn/go/mobifone-ls-00001/"  # a store's: version 5 at Q
    print(f"decode rate against preview pixels per module (facing), {trials} frames each, "
          f"version {qr.encode(url, 'Q').payload.version}-Q")
    print(f"{'px/module':>9} {'sharp zbar':>10} {'zxing':>6} {'field zbar':>10} {'zxing':>6}")
    for px in (1.5, 2.0, 2.25, 2.5, 2.75, 3.0, 3.5, 4.0, 5.0):
        module = px / qr.preview_px_per_mm(1.0)
        sharp = decode_rates(url, "Q", module, 1.0, trials, field=SHARP)
        field = decode_rates(url, "Q", module, 1.0, trials)
        print(f"{px:9.2f} {sharp['zbar'] / trials:10.0%} {sharp['zxing'] / trials:6.0%} "
              f"{field['zbar'] / trials:10.0%} {field['zxing'] / trials:6.0%}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--materials", type=Path, default=ROOT / "materials")
    args = parser.parse_args()
    if args.sweep:
        sweep(args.trials)
        return
    n = args.trials
    print(f"{n} frames a code and distance: blur {FIELD.blur_modules} module, tilt {FIELD.tilt_deg[0]:g}-"
          f"{FIELD.tilt_deg[1]:g} deg, preview {qr.PREVIEW_PX} px across {qr.PREVIEW_FOV_DEG:g} deg; "
          f"zbar/zxing decode rates from 1, 1.33 and 1.6 times the stated distance")
    print(f"{'format':15} {'code':7} {'dist':>4} {'ver':>4} | {'rule':4} {'mod mm':>6} {'size mm':>7} "
          f"{'px/mod':>6} | " + " | ".join(f"{f:.2f}x zbar/zxing" for f in FARTHER))
    codes = printed_codes(args.materials)
    totals = {rule: {f: dict.fromkeys(DECODERS, 0) for f in FARTHER} for rule in ("old", "new")}
    for c in codes:
        info = qr.encode(c.url, c.error).payload
        for rule, module in (("old", old_module_mm(info.modules, c.distance_m)),
                             ("new", qr.min_module_mm(c.distance_m))):
            rates = []
            for f in FARTHER:
                hits = decode_rates(c.url, c.error, module, c.distance_m * f, n)
                for decoder, k in hits.items():
                    totals[rule][f][decoder] += k
                rates.append(f"{hits['zbar'] / n:7.0%} {hits['zxing'] / n:7.0%}")
            print(f"{c.format_name:15} {c.what:7} {c.distance_m:4g} {info.version:>2}-{info.error} | {rule:4} "
                  f"{module:6.1f} {qr.printed_size_mm(info.modules, module):7.1f} "
                  f"{module * qr.preview_px_per_mm(c.distance_m):6.2f} | " + " | ".join(rates), flush=True)
    runs = len(codes) * n
    for rule, by_distance in totals.items():
        print(f"all formats, {rule} rule: " + "; ".join(
            f"{f:.2f}x zbar {h['zbar']}/{runs} zxing {h['zxing']}/{runs}" for f, h in by_distance.items()))


if __name__ == "__main__":
    main()
