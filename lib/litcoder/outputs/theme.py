"""One look for every figure and page: the font, and the colours of the framings and classifications.

Colours carry meaning in hue *and* lightness, so that a figure printed in greys or seen with
a colour-vision deficiency still tells its categories apart: the colours used together differ
pairwise by at least LIGHTNESS_STEP in CIE L* (tests/test_print_figures.py checks every
figure), and where they still sit close, marks differ in shape, cells carry letters and split
bars a hatch. Leadership is a dark blue and management a vermillion, the pair of Okabe and
Ito's palette that the common colour-vision deficiencies keep apart, darkened and lightened so
that they also differ in grey; the other framings fill the steps between: disputed (the
coders disagree) a dark grey, as it is what a member should look at, both a light purple,
neither a mid grey, split (a source whose codings split evenly) a light grey hatched in the
disputed grey, not coded white.

The colour science (sRGB → CIE L*a*b*, a deuteranopia simulation, CIEDE2000) is here so that
the tests measure the colours the figures actually use.
"""

from __future__ import annotations

import math

FONT_NAME = "Liberation Sans"
"""The figures' font: metric-compatible with Arial (a sans serif as APA style asks of figures),
free, and on any machine with Debian's chromium (fonts-liberation), so HTML, SVG, PNG and PDF
show the same letters; the PDFs embed it."""
SIGNS_FONT = "DejaVu Sans"
"""For the few signs Liberation Sans lacks (✓ finished, ◆ fragile): named, so that they too come
from one font (Debian's fonts-dejavu-core) and are embedded in the PDFs with it."""
FONT = f"'{FONT_NAME}', Arial, Helvetica, '{SIGNS_FONT}', sans-serif"

NOT_CODED = "#FFFFFF"

FRAMING_COLOURS = {
    "leadership": "#0F3A73",  # L* 25
    "management": "#C04E00",  # L* 48
    "both": "#B77AAC",  # L* 59
    "neither": "#ADADAD",  # L* 71
    "disputed": "#555555",  # L* 36
    "split": "#D3D3D3",  # L* 85 (and hatched)
}

SPLIT_PATTERN = {"shape": "/", "fgcolor": FRAMING_COLOURS["disputed"], "bgcolor": "#FFFFFF", "size": 6,
                 "solidity": 0.35}
"""Bars of sources split evenly are hatched in the disputed grey, as on the report's cards."""

CLASSIFICATION_COLOURS = {
    **{k: v for k, v in FRAMING_COLOURS.items() if k not in ("disputed", "split")},
    "contested": "#F0E442",  # L* 89: Okabe–Ito's yellow, far in lightness from management
    "insufficient": "#FFFFFF",
}

CLASSIFICATION_LABELS = {
    "leadership": "Leadership",
    "management": "Management",
    "both": "Both",
    "neither": "Neither",
    "contested": "Contested",
    "insufficient": "Insufficient evidence",
}

LIGHTNESS_STEP = 10.0
"""The least difference in CIE L* between colours used together for categories. Photocopies
and laser prints reproduce greys in steps of roughly 10 L* (a toner's tone steps and paper's
variation blur smaller ones), and side by side on a page 10 L* reads as a clearly different
grey, where about 1 is only just noticeable."""
DEUTERANOPIA_DISTANCE = 8.0
"""The least CIEDE2000 difference between those colours as a deuteranope sees them (simulated):
several times the just-noticeable difference of about 1, enough for small marks and thin lines."""

DEUTERANOPIA = ((0.367322, 0.860646, -0.227968),
                (0.280085, 0.672501, 0.047413),
                (-0.011820, 0.042940, 0.953902))
"""Machado, Oliveira and Fernandes's (2009) matrix for deuteranopia at severity 1, on linear RGB."""

_SRGB_TO_XYZ = ((0.4124564, 0.3575761, 0.1804375),
                (0.2126729, 0.7151522, 0.0721750),
                (0.0193339, 0.1191920, 0.9503041))
_WHITE = (0.95047, 1.0, 1.08883)  # D65


def linear_rgb(colour: str) -> tuple[float, float, float]:
    """'#RRGGBB' (or 'rgb(r, g, b)') as linear-light RGB, each 0 to 1."""
    if colour.startswith("rgb"):
        values = [float(v) / 255 for v in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    else:
        values = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return tuple(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in values)


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """Linear RGB as CIE L*a*b* (D65)."""
    xyz = [sum(m * c for m, c in zip(row, rgb)) / w for row, w in zip(_SRGB_TO_XYZ, _WHITE)]
    f = [math.copysign(abs(t) ** (1 / 3), t) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def lightness(colour: str) -> float:
    """The colour's CIE L* (0 black to 100 white): what is left of it in greys."""
    return lab(linear_rgb(colour))[0]


def as_deuteranope(colour: str) -> tuple[float, float, float]:
    """The colour's L*a*b* as a deuteranope sees it (DEUTERANOPIA, clipped to the gamut)."""
    rgb = linear_rgb(colour)
    seen = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb)))) for row in DEUTERANOPIA]
    return lab(tuple(seen))


def ciede2000(first: tuple[float, float, float], second: tuple[float, float, float]) -> float:
    """The CIEDE2000 colour difference of two L*a*b* colours (Sharma, Wu and Dalal's formulation)."""
    (l1, a1, b1), (l2, a2, b2) = first, second
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean ** 7 / (c_mean ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = (math.degrees(math.atan2(b, a)) % 360 if c else 0.0 for a, b, c in ((a1, b1, c1), (a2, b2, c2)))
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    d_hue = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    l_mean, c_mean = (l1 + l2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        h_mean = h1 + h2
    elif abs(h1 - h2) <= 180:
        h_mean = (h1 + h2) / 2
    else:
        h_mean = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_mean - 30)) + 0.24 * math.cos(math.radians(2 * h_mean))
         + 0.32 * math.cos(math.radians(3 * h_mean + 6)) - 0.20 * math.cos(math.radians(4 * h_mean - 63)))
    rotation = -math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2)))) * 2 * math.sqrt(
        c_mean ** 7 / (c_mean ** 7 + 25 ** 7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_mean, 1 + 0.015 * c_mean * t
    dl, dc, dhh = (l2 - l1) / s_l, (c2 - c1) / s_c, d_hue / s_h
    return math.sqrt(dl ** 2 + dc ** 2 + dhh ** 2 + rotation * dc * dhh)
