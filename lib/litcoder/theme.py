"""One look for every figure and page: the colours of the framings and classifications.

Leadership and management are the Okabe–Ito blue and vermillion, a pair that people
with the common forms of colour blindness tell apart; the other framings sit between
them in grey and purple so that the two sides stay the strongest contrast.
"""

FRAMING_COLOURS = {
    "leadership": "#0072B2",
    "management": "#D55E00",
    "both": "#CC79A7",
    "neither": "#8C8C8C",
    "disputed": "#E6E6E6",
}

CLASSIFICATION_COLOURS = {
    **{k: v for k, v in FRAMING_COLOURS.items() if k != "disputed"},
    "contested": "#F0E442",
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
