"""The evidence by source attribute: what the sources of each kind say, and the classification
within each kind ("leadership in the business literature, contested in the library literature").

    >>> from litcoder import Review
    >>> review = Review.load(".")
    >>> table = framing_by_attribute(review, "field")
    >>> int(table[table["competency"] == "planning"]["sources"].sum())
    8

Sources are counted as voices, as everywhere: one per source and competency, whatever the
passages (evidence.source_framings). Within a subset the classification is made by the same
method as for all the sources (evidence.weigh_evidence on that subset's voices), so a subset
of two sources is as uncertain as it should be. Sources whose attribute is not given make a
subset of their own, named NOT_GIVEN.
"""

from __future__ import annotations

import pandas as pd

from .evidence import COMPOSITION, review_voices, weigh_evidence

NOT_GIVEN = "not given"
"""The value of the sources whose attribute corpus/attributes.csv does not give."""
WITHIN_COLUMNS = ["competency", "label", "value", "sources", "classification", *(f"{p}_sources" for p in COMPOSITION),
                  "p_leadership", "p_management", "p_both", "p_neither", "explanation"]


def values_of(review, attribute: str) -> dict[str, str]:
    """Citekey → the source's value of the attribute (NOT_GIVEN where not given)."""
    if attribute not in review.attribute_definitions:
        known = ", ".join(review.attribute_definitions) or "none: define them in litcoder.toml"
        raise KeyError(f"no attribute '{attribute}' (defined: {known})")
    frame = review.attributes
    return {k: v or NOT_GIVEN for k, v in zip(frame["citekey"], frame[attribute])}


def framing_by_attribute(review, attribute: str, voices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per competency and value: how many of those sources speak to it, how many say each part
    of the composition (leadership … split), and each part's share of them. Values in the
    order litcoder.toml lists them (NOT_GIVEN last); a value no source of a competency has is
    a row of zeros, so that every competency has a row per value."""
    voices = review_voices(review) if voices is None else voices
    value_of = values_of(review, attribute)
    order = [*review.attribute_definitions[attribute]["values"], NOT_GIVEN]
    tagged = voices.assign(value=voices["citekey"].map(value_of).fillna(NOT_GIVEN))
    counts = (tagged.groupby(["competency", "value", "framing"]).size().unstack(fill_value=0)
              .reindex(columns=list(COMPOSITION), fill_value=0))
    index = pd.MultiIndex.from_product([review.codebook["competency"], order], names=["competency", "value"])
    counts = counts.reindex(index, fill_value=0)
    table = counts.rename(columns={p: f"{p}_sources" for p in COMPOSITION}).rename_axis(columns=None).reset_index()
    table.insert(2, "sources", counts.sum(axis=1).to_numpy())
    for part in COMPOSITION:
        table[f"{part}_share"] = (table[f"{part}_sources"] / table["sources"].where(table["sources"] > 0)).fillna(0.0)
    labels = dict(zip(review.codebook["competency"], review.codebook["label"]))
    table.insert(1, "label", table["competency"].map(labels))
    if not table.loc[table["value"] == NOT_GIVEN, "sources"].any():  # every source's value is given
        table = table[table["value"] != NOT_GIVEN]
    return table.reset_index(drop=True)


def evidence_within(review, attribute: str, voices: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per value and competency, the evidence of those sources alone: their composition, the
    probability of a majority for each framing, the classification and its sentence."""
    voices = review_voices(review) if voices is None else voices
    value_of = values_of(review, attribute)
    order = [*review.attribute_definitions[attribute]["values"], NOT_GIVEN]
    frames = []
    for value in order:
        mine = voices[voices["citekey"].map(value_of).fillna(NOT_GIVEN) == value]
        if mine.empty:
            continue
        frames.append(weigh_evidence(review, mine).assign(value=value)[WITHIN_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=WITHIN_COLUMNS)


def divided(within: pd.DataFrame) -> pd.DataFrame:
    """The competencies whose classification differs between subsets where the evidence
    classifies it (not contested, not insufficient): where the literature divides. One row
    per competency: its label and each such subset's classification ('business: management')."""
    settled = within[~within["classification"].isin(["contested", "insufficient"]) & (within["sources"] > 0)]
    rows = []
    for competency, group in settled.groupby("competency", sort=False):
        if group["classification"].nunique() > 1:
            rows.append({"competency": competency, "label": group["label"].iloc[0],
                         "by_subset": "; ".join(f"{v}: {c}" for v, c in zip(group["value"], group["classification"]))})
    return pd.DataFrame(rows, columns=["competency", "label", "by_subset"])


def leaning_apart(table: pd.DataFrame) -> pd.DataFrame:
    """The competencies whose sources of different values say different things most often:
    in each value's sources (framing_by_attribute's table) the framing most of them give,
    where one does, and the competencies where two values' differ. Too few sources to
    classify within a value often; this is where to look, not a finding. One row per
    competency: its label and each value's framing with its count ('nursing: management, 1 of 1')."""
    framings = [p for p in COMPOSITION if p not in ("disputed", "split")]
    counts = table[[f"{f}_sources" for f in framings]].to_numpy()
    top = counts.max(axis=1)
    alone = (counts == top[:, None]).sum(axis=1) == 1  # one framing said most, not a tie
    said = table.assign(framing=[framings[i] for i in counts.argmax(axis=1)], top=top)[(top > 0) & alone]
    apart = said.groupby("competency", sort=False)["framing"].transform("nunique") > 1
    rows = [{"competency": competency, "label": group["label"].iloc[0],
             "by_subset": "; ".join(f"{v}: {f}, {n} of {s}" for v, f, n, s in
                                    zip(group["value"], group["framing"], group["top"], group["sources"]))}
            for competency, group in said[apart].groupby("competency", sort=False)]
    return pd.DataFrame(rows, columns=["competency", "label", "by_subset"])
