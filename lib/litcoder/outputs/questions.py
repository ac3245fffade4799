"""The report's sections on the literature questions: what the sources of each kind say
(where the literature divides), which competencies are coded together, and what the
network of sources and competencies says (flows, schools, competencies framed together,
the sources that carry a classification).

    >>> from litcoder import Review
    >>> html = questions_section(Review.load("."))
    >>> 'id="kinds"' in html and 'id="together"' in html
    True
"""

from __future__ import annotations

import markupsafe
import pandas as pd

from ..analysis.cooccurrence import cooccurrence
from ..analysis.evidence import review_voices
from ..analysis.network import findings, flows, pairs_table, school_table, source_groups
from ..analysis.subsets import NOT_GIVEN, divided, evidence_within, framing_by_attribute, leaning_apart
from ..inputs.codebook import FRAMINGS
from .figures import figure_html
from .literature import CAPTIONS, cooccurrence_chart, framing_by_attribute_chart
from .pages import frame_fingerprint, kept

PAIRS_SHOWN = 20
"""The pairs of competencies the report lists, most often coded together first."""


def questions_section(review, voices: pd.DataFrame | None = None, environment=None) -> str:
    """The two sections as HTML (all text from inputs escaped by the template)."""
    return literature_questions(review, voices, environment)[0]


def literature_questions(review, voices: pd.DataFrame | None = None, environment=None
                         ) -> tuple[str, dict[str, pd.DataFrame]]:
    """The two sections as HTML, and their tables for outputs/tables/ by file name: per
    attribute, what the sources of each value say (by-<attribute>.csv) and the classification
    within them (within-<attribute>.csv); the pairs coded together (cooccurrence.csv)."""
    from .report import _environment  # the report's environment: its filters and escaping

    voices = review_voices(review) if voices is None else voices

    def answer() -> dict:
        template = (environment or _environment()).get_template("_questions.html.j2")
        tables: dict[str, pd.DataFrame] = {}
        kinds = [_kind(review, a, voices, tables) for a in review.attribute_definitions]
        html = template.render(kinds=kinds, together=_together(review, tables))
        return {"html": html, "tables": {name: frame.to_dict(orient="split") for name, frame in tables.items()}}

    if environment is not None:  # another environment's HTML is not the report's to keep
        found = answer()
    else:
        found = kept(review.path, "questions", _asked_of(review, voices), answer)
    return found["html"], {name: pd.DataFrame(**split) for name, split in found["tables"].items()}


def _asked_of(review, voices: pd.DataFrame) -> str:
    """The fingerprint of what the two sections are made from: the voices, the attributes, the
    codebook, the sources' citations and the codings (passages coded together)."""
    return frame_fingerprint(voices, review.attributes,
                             review.codebook[["competency", "label", "group", "group_label"]],
                             review.sources[["citekey", "author_year"]],
                             review.codings[["coder", "citekey", "passage", "competency", "framing"]],
                             more=(repr(review.attribute_definitions),))


def _kind(review, attribute: str, voices: pd.DataFrame, tables: dict) -> dict:
    definition = review.attribute_definitions[attribute]
    label = str(definition.get("label") or attribute.replace("_", " "))
    table = framing_by_attribute(review, attribute, voices)
    within = evidence_within(review, attribute, voices)
    tables[f"by-{attribute}.csv"], tables[f"within-{attribute}.csv"] = table, within
    given = review.attributes[attribute].replace("", NOT_GIVEN).value_counts()
    counts = [(value, int(given[value])) for value in [*definition["values"], NOT_GIVEN] if given.get(value, 0)]
    caption = CAPTIONS["framing-by-attribute"].format(attribute=label.lower())
    figure = figure_html(framing_by_attribute_chart(review, table, attribute), f"by-{attribute}", whole_page=False)
    return {"id": attribute, "label": label, "counts": counts, "divided": divided(within).to_dict("records"),
            "leaning": leaning_apart(table).to_dict("records"),
            "classified": within[~within["classification"].isin(["contested", "insufficient"])]
            .groupby("value", sort=False).size().to_dict(),
            "caption": caption, "figure": markupsafe.Markup(figure)}


def _together(review, tables: dict) -> dict:
    pairs = cooccurrence(review)
    by_source = cooccurrence(review, level="source")
    sources = by_source.set_index(["a", "b"])["together"]
    tables["cooccurrence.csv"] = pairs.merge(
        by_source[["a", "b", "together"]].rename(columns={"together": "sources_together"}), on=["a", "b"], how="left"
    ).fillna({"sources_together": 0}).astype({"sources_together": "int64"})
    shown = pairs.head(PAIRS_SHOWN).assign(
        sources=lambda t: [int(sources.get((a, b), 0)) for a, b in zip(t["a"], t["b"])])
    figure = figure_html(cooccurrence_chart(review, pairs), "cooccurrence", whole_page=False) if len(pairs) else ""
    return {"pairs": shown.to_dict("records"), "total": len(pairs), "figure": markupsafe.Markup(figure),
            "caption": CAPTIONS["cooccurrence"].format(level="passage")}


NETWORK_FIGURES = ("flows", "schools", "framed-together")
"""The figures of what the network says: drawn with the others, shown in its section."""


def network_says(review, voices: pd.DataFrame, evidence: pd.DataFrame) -> tuple[dict, dict[str, pd.DataFrame]]:
    """What the report says of the network (the schools, the competencies framed together, the
    sources that carry a classification), and its tables for outputs/tables/: the flows
    (flows.csv), each source's school (schools.csv) and the competencies framed together
    (framed-together.csv). Kept while what they show is unchanged (pages.kept)."""
    from .network_figures import shown_from

    def say() -> dict:
        said, tables = _network_said(review, voices, evidence)
        return {"said": said, "tables": {name: frame.to_dict(orient="split") for name, frame in tables.items()}}

    found = kept(review.path, "network-said", shown_from(review, voices, evidence), say)
    return found["said"], {name: pd.DataFrame(**split) for name, split in found["tables"].items()}


def _network_said(review, voices: pd.DataFrame, evidence: pd.DataFrame) -> tuple[dict, dict[str, pd.DataFrame]]:
    cite = dict(zip(review.sources["citekey"], review.sources["author_year"]))
    labels = dict(zip(evidence["competency"], evidence["label"]))
    by, groups = source_groups(review)
    _, found, together = findings(voices)
    pairs = pairs_table(together, labels)
    tables = {
        "flows.csv": flows(voices, groups).assign(citekeys=lambda t: t["citekeys"].map(", ".join))
        .rename(columns={"group": by}),
        "schools.csv": pd.DataFrame([(k, cite.get(k, k), found[k]) for k in sorted(found)],
                                    columns=["citekey", "author_year", "school"]),
        "framed-together.csv": pairs,
    }
    carried = [{"competency": row.competency, "label": row.label, "classification": row.classification,
                "pivotal": "; ".join(cite.get(k, k) for k in row.pivotal_sources.split(", ") if k)}
               for row in evidence.itertuples() if row.pivotal_sources]
    said = {"by": by, "empty": bool(voices.empty), "framings": list(FRAMINGS),
            "schools": school_table(found, voices, cite, labels).to_dict("records"),
            "pairs": pairs.head(PAIRS_SHOWN).to_dict("records"), "pairs_total": len(pairs), "carried": carried}
    return said, tables
