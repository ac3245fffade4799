"""The bundled review's searches and screening: the exports read cleanly with litcoder's readers,
every screening row names a real record, stage, decision and reason, and the twelve sources of
references.bib are exactly the works the committee included.

The decisions are worked out here on their own (latest row per screener, a resolution wins, at
full text the reasons must agree), not with the selection module, so that the bundled files
are checked against the design rather than against the code that reads them.
"""

from __future__ import annotations

import csv
import tomllib
from datetime import date, datetime
from pathlib import Path

import pytest

from litcoder import Review
from litcoder.inputs.bibliography import read_bibtex_rows
from litcoder.inputs.references import find_duplicates, normalise_doi, normalise_title, read_references

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = tomllib.loads((ROOT / "litcoder.toml").read_text(encoding="utf-8"))
SEARCHES = SETTINGS["searches"]
REASONS = SETTINGS["screening"]["reasons"]
STAGES = ("title-abstract", "full-text")
DECISIONS = {"title-abstract": {"include", "exclude", "maybe"},
             "full-text": {"include", "exclude", "maybe", "not-retrieved"}}
SCREENERS = ("member-h", "member-j")
EXPECTED_RECORDS = {"bsc": 8, "scopus": 10, "other": 12}


def _read(search: dict) -> tuple[list[dict], list]:
    rows, log, _ = read_references(ROOT / search["file"], search["file"], taken=set())
    return rows, list(log)


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    """Every record by its id, '<search>:<position>', in the order of litcoder.toml."""
    found = {}
    for search in SEARCHES:
        rows, _ = _read(search)
        for position, row in enumerate(rows, 1):
            found[f"{search['id']}:{position}"] = {**row, "method": search["method"]}
    return found


def _csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def screening() -> dict[str, list[dict]]:
    return {path.stem: _csv(path) for path in sorted((ROOT / "corpus" / "screening").glob("*.csv"))}


@pytest.fixture(scope="module")
def resolved() -> list[dict]:
    return _csv(ROOT / "corpus" / "screening-resolved.csv")


def _duplicates(records: dict[str, dict]) -> set[str]:
    """The records find_duplicates pairs with an earlier one: the duplicates removed."""
    ids = {id(row): rid for rid, row in records.items()}
    return {ids[id(later)] for _, later, _ in find_duplicates(list(records.values()))}


def _record_id(records: dict[str, dict], row: dict) -> str:
    return next(rid for rid, record in records.items() if record is row)


def _latest(screening: dict[str, list[dict]]) -> dict[tuple[str, str], dict[str, dict]]:
    """(record, stage) → screener → that screener's latest row."""
    latest: dict[tuple[str, str], dict[str, dict]] = {}
    for screener, rows in screening.items():
        for row in rows:
            latest.setdefault((row["record"], row["stage"]), {})[screener] = row
    return latest


def _decided(rows: list[dict], stage: str) -> tuple[str, str] | None:
    """The screeners' joint decision and reason, or None when they disagree."""
    decisions = {row["decision"] for row in rows}
    if stage == "title-abstract" and decisions <= {"include", "maybe"}:
        return "include", ""
    if len(decisions) > 1 or (decisions == {"exclude"} and len({row["reason"] for row in rows}) > 1):
        return None
    return rows[0]["decision"], rows[0]["reason"]


def _outcomes(records, screening, resolved) -> dict[str, tuple[str, str, str]]:
    """Each record's outcome (duplicate, excluded, not retrieved, included), stage and reason."""
    latest = _latest(screening)
    resolution = {(row["record"], row["stage"]): (row["decision"], row["reason"]) for row in resolved}
    duplicates = _duplicates(records)
    outcomes = {}
    for rid, record in records.items():
        if rid in duplicates:
            outcomes[rid] = ("duplicate", "", "")
            continue
        for stage in STAGES if record["method"] != "other" else ("full-text",):
            decided = resolution.get((rid, stage)) or _decided(list(latest[(rid, stage)].values()), stage)
            assert decided is not None, f"{rid} at {stage}: a disagreement with no resolution"
            decision, reason = decided
            if decision != "include":
                outcomes[rid] = ({"exclude": "excluded"}.get(decision, decision.replace("-", " ")), stage, reason)
                break
        else:
            outcomes[rid] = ("included", "full-text", "")
    return outcomes


# ---------------------------------------------------------------- the searches

@pytest.mark.parametrize("search", SEARCHES, ids=[s["id"] for s in SEARCHES])
def test_every_export_exists_and_reads_without_a_problem(search):
    assert (ROOT / search["file"]).is_file()
    rows, problems = _read(search)
    assert [p for p in problems if p.severity in ("error", "warning")] == []
    assert len(rows) == EXPECTED_RECORDS[search["id"]]


def test_the_searches_are_described_as_the_design_asks():
    assert [s["id"] for s in SEARCHES] == ["bsc", "scopus", "other"]
    for search in SEARCHES:
        assert search["method"] in ("database", "register", "other")
        assert date.fromisoformat(search["date"]).strftime("%Y-%m") == "2026-09"
        assert search["source"] and search["query"]
    assert [s["method"] for s in SEARCHES] == ["database", "database", "other"]


def test_the_exports_keep_their_databases_habits():
    bsc = (ROOT / "corpus/searches/bsc.ris").read_bytes()
    scopus = (ROOT / "corpus/searches/scopus.ris").read_bytes()
    assert bsc.count(b"\r\n") == bsc.count(b"\n") and b"DP  - EBSCOhost\r\n" in bsc
    assert b"\r" not in scopus and b"DB  - Scopus\n" in scopus
    assert not bsc.startswith(b"\xef\xbb\xbf") and not scopus.startswith(b"\xef\xbb\xbf")


def test_the_same_article_in_both_databases_is_found_and_a_reprint_is_not(records):
    pairs = {(_record_id(records, a), _record_id(records, b)): why
             for a, b, why in find_duplicates(list(records.values()))}
    assert pairs == {("bsc:5", "scopus:8"): "same DOI 10.1177/014920638901500207",
                     ("bsc:3", "scopus:9"): "same title, year and first author",
                     ("bsc:1", "scopus:10"): "same title, year and first author"}
    # Zaleznik's 1977 article and its 2004 reprint are two records the screeners set apart.
    assert normalise_title(records["bsc:2"]["title"]) == normalise_title(records["bsc:3"]["title"])
    assert ("bsc:2", "bsc:3") not in pairs


# ---------------------------------------------------------------- the screening

def test_every_screening_row_names_a_record_a_stage_a_decision_and_a_reason(records, screening):
    assert set(screening) == set(SCREENERS)
    for screener, rows in screening.items():
        assert rows, screener
        for row in rows:
            where = f"{screener}: {row}"
            assert row["record"] in records, where
            assert row["decision"] in DECISIONS[row["stage"]], where
            assert (row["reason"] in REASONS) if row["decision"] == "exclude" else row["reason"] == "", where
            if records[row["record"]]["method"] == "other":
                assert row["stage"] == "full-text", where


def test_screening_times_have_a_zone_and_increase_within_each_file(screening):
    for screener, rows in screening.items():
        times = [datetime.fromisoformat(row["screened_at"]) for row in rows]
        assert all(t.tzinfo is not None for t in times), screener
        assert times == sorted(times) and len(set(times)) == len(times), screener
        assert all((t.year, t.month) in ((2026, 9), (2026, 10)) for t in times), screener


def test_both_screeners_decided_every_record_that_reached_each_stage(records, screening, resolved):
    latest = _latest(screening)
    duplicates = _duplicates(records)
    outcomes = _outcomes(records, screening, resolved)
    for rid, record in records.items():
        if rid in duplicates:
            assert not any(key[0] == rid for key in latest), f"{rid} is a duplicate removed, yet screened"
            continue
        if record["method"] == "database":
            assert set(latest[(rid, "title-abstract")]) == set(SCREENERS), rid
        if outcomes[rid][1] == "full-text":
            assert set(latest[(rid, "full-text")]) == set(SCREENERS), rid


def test_each_resolution_settles_a_real_disagreement_by_a_third_person(records, screening, resolved):
    latest = _latest(screening)
    assert 3 <= len(resolved) <= 5
    assert {row["stage"] for row in resolved} == set(STAGES)
    for row in resolved:
        assert row["record"] in records and row["resolved_by"] not in SCREENERS and row["note"], row
        assert row["decision"] in DECISIONS[row["stage"]], row
        assert (row["reason"] in REASONS) if row["decision"] == "exclude" else row["reason"] == "", row
        assert date.fromisoformat(row["resolved_on"]).strftime("%Y-%m") in ("2026-09", "2026-10"), row
        screened = list(latest[(row["record"], row["stage"])].values())
        assert len(screened) == 2 and _decided(screened, row["stage"]) is None, row


# ---------------------------------------------------------------- where the records ended

def test_the_counts_of_the_flow_diagram(records, screening, resolved):
    outcomes = _outcomes(records, screening, resolved)
    database = {rid: o for rid, o in outcomes.items() if records[rid]["method"] == "database"}
    other = {rid: o for rid, o in outcomes.items() if records[rid]["method"] == "other"}

    def count(among, outcome, stage=None):
        return sum(1 for o, s, _ in among.values() if o == outcome and stage in (None, s))

    assert count(database, "duplicate") == 3
    assert len(database) - 3 == 15  # records screened
    assert count(database, "excluded", "title-abstract") == 5
    assert count(database, "not retrieved") == 1
    assert count(database, "excluded", "full-text") == 6
    assert count(database, "included") + count(other, "included") == 12
    assert count(other, "excluded") == 3 and count(other, "not retrieved") == 0
    reasons = sorted(r for rid, (o, s, r) in outcomes.items() if o == "excluded" and s == "full-text")
    assert reasons == sorted([REASONS[6], REASONS[5], REASONS[2], REASONS[2], REASONS[6], REASONS[2],
                              REASONS[5], REASONS[4], REASONS[6]])


def _matches(source: dict, record: dict) -> bool:
    doi = normalise_doi(source.get("doi"))
    if doi and doi == normalise_doi(record.get("doi")):
        return True
    return (normalise_title(source["title"]) == normalise_title(record["title"])
            and int(source["year"]) == int(record["year"])
            and source["_people"][0].family.casefold() == record["_people"][0].family.casefold())


def test_every_source_of_the_review_is_exactly_one_included_record(records, screening, resolved):
    sources, log, _ = read_bibtex_rows(ROOT / "references.bib", "references.bib")
    assert [p for p in log if p.severity == "error"] == []
    outcomes = _outcomes(records, screening, resolved)
    included = {rid: records[rid] for rid, (outcome, _, _) in outcomes.items() if outcome == "included"}
    matched = {}
    for source in sources:
        found = [rid for rid, record in included.items() if _matches(source, record)]
        assert len(found) == 1, f"{source['citekey']}: {found}"
        matched[source["citekey"]] = found[0]
    assert len(sources) == 12 and sorted(matched.values()) == sorted(included)


def test_the_review_loads_its_selection_without_an_error():
    review = Review.load(ROOT)
    mine = ("litcoder.toml", "corpus/searches/", "corpus/screening")
    errors = [p for p in review.problems if p.severity == "error" and str(p.file).startswith(mine)]
    assert errors == []
