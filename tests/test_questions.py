"""The report's sections on the literature questions: kinds of source and competencies coded
together, their numbers the same as the analysis gives."""

from __future__ import annotations

import itertools
import re

from litcoder.analysis.cooccurrence import cooccurrence
from litcoder.analysis.subsets import framing_by_attribute, leaning_apart
from litcoder.outputs.charts import narrow_changes, page_changes
from litcoder.outputs.literature import framing_by_attribute_chart
from litcoder.outputs.questions import PAIRS_SHOWN, questions_section


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S)))


def test_each_attribute_has_its_section_with_the_sources_counted(bundled):
    html = questions_section(bundled)
    for attribute in bundled.attribute_definitions:
        assert f'id="kind-{attribute}"' in html and f'id="figure-by-{attribute}"' in html
    text = _text(html)
    field = bundled.attributes["field"].value_counts()
    assert f"business and management {field['business and management']}," in text


def test_where_the_literature_divides_says_so_plainly_and_lists_the_leanings(bundled):
    html = questions_section(bundled)
    text = _text(html)
    # the bundled codings classify no competency differently in two fields: said, not invented
    assert "No competency is classified differently by the sources of one kind and another" in text
    for row in leaning_apart(framing_by_attribute(bundled, "field")).itertuples():
        assert row.by_subset in text


def test_the_pairs_table_gives_the_analysis_numbers(bundled):
    html = questions_section(bundled)
    pairs = cooccurrence(bundled)
    table = html.split('<table class="pairs stacked">')[1].split("</table>")[0]
    pair = r'<tr><td><a href="#c-([^"]+)">[^<]*</a> \+ <a href="#c-([^"]+)">[^<]*</a></td>\s*<td[^>]*>(\d+) '
    rows = re.findall(pair, table)
    assert len(rows) == min(PAIRS_SHOWN, len(pairs))
    for (a, b, together), row in zip(rows, pairs.itertuples()):
        assert (a, b, int(together)) == (row.a, row.b, row.together)
    assert f"Of {len(pairs)} pairs coded together" in _text(html)


def test_a_review_without_codings_or_attributes_says_so(bundled):
    empty = bundled.__class__(**{**bundled.__dict__, "codings": bundled.codings.iloc[0:0],
                                 "attribute_definitions": {}})
    text = _text(questions_section(empty))
    assert "No source attributes are defined" in text and "No passage is coded to two competencies yet" in text


def test_on_a_phone_the_panels_stand_one_above_another(bundled):
    figure = framing_by_attribute_chart(bundled, framing_by_attribute(bundled, "field"), "field").to_dict()
    changes = page_changes("by-field", figure)
    assert changes["layout.margin.t"] < figure["layout"]["margin"]["t"]
    narrow = narrow_changes("by-field", figure)
    panels = [k for k in figure["layout"] if k.startswith("xaxis")]
    domains = [narrow[f"layout.yaxis{k[5:]}.domain"] for k in panels]
    assert all(narrow[f"layout.{k}.domain"] == [0, 1] for k in panels)
    assert all(high > low for low, high in domains)
    assert all(below[1] < above[0] for above, below in itertools.pairwise(domains))  # no two overlap
    assert narrow["layout.height"] > figure["layout"]["height"]


def test_the_build_writes_the_tables_behind_the_sections(bundled, bundled_report):
    import pandas as pd

    tables = bundled_report.parent / "tables"
    pairs = pd.read_csv(tables / "cooccurrence.csv")
    expected = cooccurrence(bundled)
    assert pairs[["a", "b", "together"]].values.tolist() == expected[["a", "b", "together"]].values.tolist()
    by_source = cooccurrence(bundled, level="source").set_index(["a", "b"])["together"]
    assert [by_source.get((a, b), 0) for a, b in zip(pairs["a"], pairs["b"])] == pairs["sources_together"].tolist()
    for attribute in bundled.attribute_definitions:
        by = pd.read_csv(tables / f"by-{attribute}.csv")
        assert by["sources"].tolist() == framing_by_attribute(bundled, attribute)["sources"].tolist()
        assert (tables / f"within-{attribute}.csv").exists()
