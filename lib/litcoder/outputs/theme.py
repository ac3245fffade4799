"""One look for every figure and page: the colours of the framings and classifications.

Leadership and management are the Okabe–Ito blue and vermillion, a pair that people
with the common forms of colour blindness tell apart; the other framings sit between
them in purple and greys so that the two sides stay the strongest contrast. Disputed
(the coders disagree) is the darkest grey, as it is what a member should look at; split
(a source whose codings split evenly) a light grey, hatched in the disputed grey where it
can be.
"""

NOT_CODED = "#F3F3F5"

FRAMING_COLOURS = {
    "leadership": "#0072B2",
    "management": "#D55E00",
    "both": "#CC79A7",
    "neither": "#A6A6A6",
    "disputed": "#4D4D4D",
    "split": "#C4C4C4",
}

SPLIT_PATTERN = {"shape": "/", "fgcolor": FRAMING_COLOURS["disputed"], "bgcolor": "#FFFFFF", "size": 6,
                 "solidity": 0.35}
"""Bars of sources split evenly are hatched in the disputed grey, as on the report's cards."""

CLASSIFICATION_COLOURS = {
    **{k: v for k, v in FRAMING_COLOURS.items() if k not in ("disputed", "split")},
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
