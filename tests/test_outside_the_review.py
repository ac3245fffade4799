"""Nothing outside the review: litcoder reads, writes and deletes only in the review's own folder.

Each test is one way an attack on litcoder reached outside a review (issue 19): a committed
link named outputs or .litcoder, a litcoder.toml naming ../x.bib, a source text linked from
elsewhere, a citekey suggested as a file name, a shared error log, and CSV cells a
spreadsheet would run as formulas. Links are made in tmp_path.
"""

from __future__ import annotations

import csv
import os
import re
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import problems_of

from litcoder import Review, cli
from litcoder.inputs.corpus import Corpus, missing_texts
from litcoder.inputs.extract import CACHE_TAG, extract_cached, is_cache, mark_cache, prune_cache
from litcoder.inputs.settings import SETTINGS_TEMPLATE, read_settings
from litcoder.layout import RefusedFolder, derived_folder, derived_folder_problem, file_name_problem
from litcoder.outputs.report import build, spreadsheet_csv, spreadsheet_safe
from litcoder.store import CoderFile

FORTY_DAYS = 40 * 86400


def litcoder(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "litcoder.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", **(env or {})}, timeout=300)


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder outside the review (review_copy is a tmp_path of its own)."""
    return tmp_path_factory.mktemp("outside")


def elsewhere(outside: Path) -> Path:
    """A folder outside the review, holding a month-old file of someone else's."""
    folder = outside / "someone-elses"
    folder.mkdir()
    old = folder / f"{'ab' * 32}.json"  # even a name like a cache entry's
    old.write_text('{"kept": true}', encoding="utf-8")
    (folder / "thesis.docx").write_bytes(b"PK\x03\x04 a month of work")
    for path in folder.iterdir():
        os.utime(path, (time.time() - FORTY_DAYS,) * 2)
    return folder


def listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- 1. derived folders that are links


def test_derived_folder_that_is_a_link_a_file_or_leads_outside_is_refused(tmp_path, outside):
    review, target = tmp_path / "review", elsewhere(outside)
    review.mkdir()
    assert derived_folder_problem(review, "outputs/tables") is None
    assert derived_folder(review, "outputs") == review.resolve() / "outputs"
    (review / "outputs").symlink_to(target, target_is_directory=True)
    refused = derived_folder_problem(review, "outputs/tables")
    assert refused.folder == "outputs" and "is a link (to" in refused.message
    assert str(target) in refused.message and refused.action.startswith("delete the link outputs")
    (review / "outputs").unlink()
    (review / "outputs").mkdir()
    (review / "outputs" / "tables").symlink_to(target, target_is_directory=True)  # a link one folder down
    assert derived_folder_problem(review, "outputs/tables").folder == "outputs/tables"
    (review / ".litcoder").write_text("a file where the folder goes", encoding="utf-8")
    assert "is a file" in derived_folder_problem(review, ".litcoder/cache").message
    with pytest.raises(RefusedFolder, match=re.escape("cannot write in .litcoder/cache: .litcoder is a file")):
        derived_folder(review, ".litcoder/cache")


def test_build_refuses_an_outputs_folder_that_is_a_link_and_writes_nothing(review_copy, tmp_path, outside):
    target = elsewhere(outside)
    before = listing(target)
    (review_copy / "outputs").symlink_to(target, target_is_directory=True)
    result = litcoder("build", review_copy, "--no-images")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    (line,) = result.stderr.strip().splitlines()  # one line
    assert line.startswith("litcoder: cannot write in outputs: outputs is a link (to")
    assert "nothing was written there; delete the link outputs" in line
    assert listing(target) == before  # not one of the 57 files build used to write there
    with pytest.raises(RefusedFolder):
        build(review_copy, images=False)
    assert listing(target) == before


def test_build_refuses_a_link_inside_outputs(review_copy, tmp_path, outside):
    target = elsewhere(outside)
    (review_copy / "outputs").mkdir()
    (review_copy / "outputs" / "figures").symlink_to(target, target_is_directory=True)
    with pytest.raises(RefusedFolder, match="outputs/figures is a link"):
        build(review_copy, images=False)
    assert not (review_copy / "outputs" / "tables").exists() and len(listing(target)) == 2


def test_loading_with_a_litcoder_link_neither_prunes_nor_writes_there_and_says_why(review_copy, tmp_path, outside):
    target = elsewhere(outside)
    before = listing(target)
    (review_copy / ".litcoder").symlink_to(target, target_is_directory=True)
    result = litcoder("validate", review_copy)
    assert result.returncode == 0, result.stdout + result.stderr  # a warning: the review is read all the same
    assert ".litcoder: warning: .litcoder is a link (to" in result.stdout
    assert "extracted texts are not cached there" in result.stdout
    assert listing(target) == before  # nothing pruned, no cache written
    review = Review.load(review_copy)
    (refused,) = problems_of(review, "cache-refused")
    assert refused.severity == "warning" and refused.file == ".litcoder"
    assert review.summary()["passages"] == 129 and len(review.codings) == 313
    assert listing(target) == before


def test_agreement_tables_are_not_written_through_an_outputs_link(review_copy, tmp_path, outside):
    target = elsewhere(outside)
    (review_copy / "outputs").symlink_to(target, target_is_directory=True)
    result = litcoder("agreement", review_copy, "--resamples", 20)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("litcoder: cannot write in outputs/tables: outputs is a link")
    assert len(listing(target)) == 2


# ---------------------------------------------------------------- 2. the cache deletes only what it wrote


def test_the_cache_prunes_only_its_own_entries_in_a_folder_it_marked(tmp_path, outside):
    folder, target = tmp_path / "cache", elsewhere(outside)
    folder.mkdir()
    entry = folder / f"{'0f' * 32}.json"
    others = [folder / "notes.json", folder / f"{'0F' * 32}.json", folder / f"{'0f' * 32}.json.bak"]
    linked = folder / f"{'1e' * 32}.json"
    for path in [entry, *others]:
        path.write_text("{}", encoding="utf-8")
    linked.symlink_to(target / f"{'ab' * 32}.json")
    for path in [entry, *others, linked]:
        os.utime(path, (time.time() - FORTY_DAYS,) * 2, follow_symlinks=False)
    assert not is_cache(folder) and prune_cache(folder) == 0 and entry.exists()  # not marked: not litcoder's
    (folder / CACHE_TAG).symlink_to(target / "thesis.docx")
    assert not is_cache(folder) and prune_cache(folder) == 0  # a marker that is a link is not litcoder's
    (folder / CACHE_TAG).unlink()
    assert mark_cache(folder) and is_cache(folder)
    assert (folder / CACHE_TAG).read_text(encoding="utf-8").startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert prune_cache(folder) == 1 and not entry.exists()
    assert all(p.exists() for p in others) and linked.is_symlink() and len(listing(target)) == 2


def test_a_cache_folder_the_extractor_makes_carries_the_marker(tmp_path):
    (tmp_path / "notes.md").write_text("Leaders ask why.\n", encoding="utf-8")
    extract_cached(tmp_path / "notes.md", "notes.md", tmp_path / "new" / "cache")
    assert is_cache(tmp_path / "new" / "cache")
    existing = tmp_path / "existing"
    existing.mkdir()
    extract_cached(tmp_path / "notes.md", "notes.md", existing)
    assert not is_cache(existing)  # a folder it did not make is not taken as its own


def test_the_review_cache_of_an_earlier_litcoder_is_marked_and_pruned(review_copy):
    cache = review_copy / ".litcoder" / "cache"
    cache.mkdir(parents=True)
    stale = cache / f"{'77' * 32}.json"
    stale.write_text("{}", encoding="utf-8")
    os.utime(stale, (time.time() - FORTY_DAYS,) * 2)
    Review.load(review_copy)
    assert is_cache(cache) and not stale.exists()


# ---------------------------------------------------------------- 3. litcoder.toml naming files outside


def test_reference_files_outside_the_review_are_refused_at_their_line(review_copy, outside):
    (outside / "shared").mkdir()
    outside = outside / "shared"
    (outside / "x.bib").write_text("@article{Secret2020,\n  title = {Private notes: the salary list},\n}\n",
                                   encoding="utf-8")
    (outside / "y.ris").write_text("TY  - JOUR\nTI  - Also private\nER  - \n", encoding="utf-8")
    (review_copy / "linked.bib").symlink_to(outside / "x.bib")  # inside the review, leading out of it
    (review_copy / "litcoder.toml").write_text(
        f'[references]\nfiles = [\n  "references.bib",\n  "{os.path.relpath(outside / "x.bib", review_copy)}",\n'
        f'  "{outside / "y.ris"}",\n  "linked.bib",\n]\n', encoding="utf-8")
    review = Review.load(review_copy)
    refused = problems_of(review, "settings-outside")
    assert [(p.severity, p.file, p.line) for p in refused] == [("error", "litcoder.toml", 4),
                                                               ("error", "litcoder.toml", 5),
                                                               ("error", "litcoder.toml", 6)]
    assert "lies outside the review" in refused[0].message and "allow_outside = true" in refused[0].action
    shown = " ".join(f"{p.message} {p.action}" for p in review.problems)
    assert "salary" not in shown and "Also private" not in shown and "Secret2020" not in shown
    assert len(review.sources) == 12 and set(review.sources["file"]) == {"references.bib"}


def test_a_references_bib_that_links_outside_is_refused_without_a_litcoder_toml(tmp_path):
    (tmp_path / "elsewhere.bib").write_text("@book{A2020,\n  title = {Elsewhere},\n}\n", encoding="utf-8")
    review = tmp_path / "review"
    review.mkdir()
    (review / "references.bib").symlink_to(tmp_path / "elsewhere.bib")
    settings, log = read_settings(review)
    assert settings["references"]["files"] == []
    assert [(p.file, p.line, p.kind) for p in log] == [("references.bib", None, "settings-outside")]


def test_a_litcoder_toml_that_links_outside_is_not_read(tmp_path, outside):
    (outside / "settings.toml").write_text('[references]\nfiles = ["/etc/passwd"]\nallow_outside = true\n',
                                           encoding="utf-8")
    (tmp_path / "litcoder.toml").symlink_to(outside / "settings.toml")
    settings, log = read_settings(tmp_path)
    assert settings["references"] == {"files": ["references.bib"], "distinct": [], "allow_outside": False}
    assert [(p.severity, p.file, p.kind) for p in log] == [("error", "litcoder.toml", "settings-outside")]
    assert "is a link to a file outside the review" in log[0].message


def test_allow_outside_reads_reference_files_outside_the_review(review_copy, outside):
    shared = outside
    (shared / "more.bib").write_text("@book{Shared2021Library,\n  author = {Okafor, Ada},\n  title = {A Shared "
                                     "Library},\n  year = {2021},\n  publisher = {Press},\n}\n", encoding="utf-8")
    (review_copy / "litcoder.toml").write_text(
        f'[references]\nfiles = ["references.bib", "{os.path.relpath(shared / "more.bib", review_copy)}"]\n'
        'allow_outside = true\n', encoding="utf-8")
    review = Review.load(review_copy)
    assert "Shared2021Library" in set(review.sources["citekey"]) and not problems_of(review, "settings-outside")


def test_the_settings_template_documents_allow_outside():
    assert "# allow_outside = true" in SETTINGS_TEMPLATE
    import tomllib

    enabled = tomllib.loads(SETTINGS_TEMPLATE.replace("# allow_outside = true", "allow_outside = true"))
    assert enabled["references"]["allow_outside"] is True


# ---------------------------------------------------------------- 4. source texts linked from elsewhere


def test_a_source_text_linked_from_outside_the_review_is_not_read(review_copy, outside):
    private = outside / "private-notes.md"
    private.write_text("# Not for the committee\n\nThe appraisal of a colleague.\n", encoding="utf-8")
    source = review_copy / "corpus/sources/Kotter1990WhatLeaders.md"
    source.unlink()
    source.symlink_to(private)
    inside = review_copy / "corpus/sources/Bass1985Beyond.md"
    kept = review_copy / "notes-bass.md"
    inside.rename(kept)
    inside.symlink_to(kept)  # a link that stays inside the review is read
    review = Review.load(review_copy)
    (refused,) = problems_of(review, "source-outside")
    assert (refused.severity, refused.file) == ("error", "corpus/sources/Kotter1990WhatLeaders.md")
    assert "outside the review" in refused.message and "put the file itself in corpus/sources" in refused.action
    assert "Kotter1990WhatLeaders" not in review.texts and "Bass1985Beyond" in review.texts
    assert not review.passages["text"].str.contains("appraisal").any()


# ---------------------------------------------------------------- 5. citekeys that cannot name a file


@pytest.mark.parametrize("citekey", ["../../escape", "CON", "a/b", ".hidden", "x" * 101])
def test_a_citekey_that_cannot_name_a_file_is_never_suggested_as_one(citekey):
    sources = pd.DataFrame({"citekey": [citekey, "Kotter1990WhatLeaders"], "file": ["references.bib"] * 2,
                            "line": [3, 9]})
    (log,) = missing_texts(sources, Corpus(pd.DataFrame(), {}, {}, {}, []))
    bad, good = log
    assert file_name_problem(citekey) in bad.message and "cannot name a file" in bad.message
    assert f"corpus/sources/{citekey}" not in bad.action and "change the citekey in references.bib" in bad.action
    assert (bad.line, bad.kind) == (3, "source-no-text")
    assert "corpus/sources/Kotter1990WhatLeaders.pdf" in good.action


# ---------------------------------------------------------------- 6. the last-chance error log


def test_the_error_log_is_a_new_private_file_in_the_users_cache(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LITCODER_DEBUG", raising=False)

    def broken(**kwargs):
        raise RuntimeError("a bug met on some input")

    monkeypatch.setattr(cli, "app", broken)
    for _ in range(2):
        with pytest.raises(SystemExit) as exit_:
            cli.main()
        assert exit_.value.code == 3
    logs = sorted((tmp_path / "cache" / "litcoder").iterdir())
    assert len(logs) == 2  # a new file each time: one user's log never blocks or overwrites another's
    for log in logs:
        assert stat.S_IMODE(log.stat().st_mode) == 0o600
        assert "RuntimeError: a bug met on some input" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "cache" / "litcoder").stat().st_mode) == 0o700
    err = capsys.readouterr().err
    shown = "".join(err.split())  # the console folds long lines
    assert "internalerror" in shown and all(str(log) in shown for log in logs) and "Traceback" not in err


def test_an_error_log_that_cannot_be_written_never_ends_in_a_second_traceback(tmp_path, monkeypatch, capsys):
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a file where the folder would go
    monkeypatch.setenv("HOME", str(blocked))
    monkeypatch.delenv("LITCODER_DEBUG", raising=False)
    written = cli.write_error_log("Traceback: details")
    assert written is not None and written.parent == Path(tempfile.gettempdir())  # the fallback: a new temp file
    assert stat.S_IMODE(written.stat().st_mode) == 0o600 and written.name.startswith("litcoder-error-")
    written.unlink()

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "/tmp/litcoder-error.log")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    assert cli.write_error_log("Traceback: details") is None

    def broken(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: ValueError('a bug')" in err and "could not be written" in " ".join(err.split())
    assert "Traceback" not in err and "PermissionError" not in err


# ---------------------------------------------------------------- 7. spreadsheet-safe CSV


def test_spreadsheet_safe_neutralises_formulas_and_keeps_numbers():
    frame = pd.DataFrame({
        "memo": ['=HYPERLINK("http://example.org/x","see")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain",
                 "-0.12", None],
        "value": [-0.12, 1.5, -3.0, 0.0, 2.0, 1.0, 0.5, 0.25, float("nan")],
        "units": [1, -2, 3, 4, 5, 6, 7, 8, 9]})
    safe = spreadsheet_safe(frame)
    assert safe["memo"].tolist()[:8] == ['\'=HYPERLINK("http://example.org/x","see")', "'+1+1", "'-2+3", "'@SUM(A1)",
                                         "'\tx", "'\rx", "plain", "-0.12"]
    assert pd.isna(safe["memo"].iloc[8])
    assert safe["value"].equals(frame["value"]) and safe["units"].equals(frame["units"])
    rows = list(csv.reader(spreadsheet_csv(frame).splitlines()))
    assert rows[1][:2] == ['\'=HYPERLINK("http://example.org/x","see")', "-0.1200"] and rows[2][2] == "-2"


def test_csv_outputs_are_safe_to_open_in_a_spreadsheet(review_copy):
    CoderFile(review_copy / "corpus/codings/coder-a.csv").append(
        {"id": "=1+1", "citekey": "Kotter1990WhatLeaders", "passage": 1,
         "quote": "nor as a matter of personal magnetism", "competency": "budgeting", "framing": "management", "memo": '=HYPERLINK("http://example.org/x","click")'})
    (review_copy / "corpus/codings/coder-z.csv").write_text("id,citekey\n@cmd,x\n", encoding="utf-8")
    build(review_copy, images=False)
    out = review_copy / "outputs"
    written = [out / "problems.csv", *sorted((out / "tables").glob("*.csv"))]
    # and per attribute what its kinds say and the evidence within, co-occurrence, the selection's four,
    # and the network's flows, schools and competencies framed together
    assert len(written) == 7 + 2 * 3 + 1 + 4 + 3
    for path in written:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                    assert not cell.startswith("-") or float(cell) < 0, (path.name, cell)
    codings = pd.read_csv(out / "tables/codings.csv")
    memo = codings.loc[codings["id"] == "'=1+1", "memo"].tolist()
    assert memo == ['\'=HYPERLINK("http://example.org/x","click")']
    agreement = pd.read_csv(out / "tables/agreement.csv")
    assert pd.api.types.is_float_dtype(agreement["value"]) and (agreement["low"] < 0).any()  # numbers stay numbers
