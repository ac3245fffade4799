"""The litcoder command: build, validate and init, as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from conftest import ROOT


def litcoder(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "litcoder.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})


def test_validate_bundled_review_is_clean():
    result = litcoder("validate", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems" in result.stdout


def test_validate_prints_file_line_and_exits_1_on_errors(review_copy):
    path = review_copy / "corpus/codings/coder-b.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    mistyped = next(i for i, line in enumerate(lines) if ",planning,management," in line)
    lines[mistyped] = lines[mistyped].replace(",planning,", ",planing,")
    lines.append("oops,only,three")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = litcoder("validate", review_copy)
    assert result.returncode == 1
    out = result.stdout
    assert f"corpus/codings/coder-b.csv:{len(lines)}: error: this row has 3 cells" in out
    assert (f"corpus/codings/coder-b.csv:{mistyped + 1}: error: unknown competency 'planing' "
            "(did you mean planning?)") in out
    assert "errors," in out.splitlines()[-1]


def test_validate_warnings_only_exit_0(review_copy):
    (review_copy / "corpus/sources/Stray2020.md").write_text("A text with no entry.\n", encoding="utf-8")
    result = litcoder("validate", review_copy)
    assert result.returncode == 0
    assert "corpus/sources/Stray2020.md: warning: no entry 'Stray2020' in the bibliography" in result.stdout


def test_build_prints_summary_and_report_path(review_copy):
    result = litcoder("build", review_copy)
    assert result.returncode == 0, result.stderr
    assert "12 sources (12 with text, 129 passages)" in " ".join(result.stdout.split())
    assert "report.html" in result.stdout
    assert "drifted" in result.stdout
    assert (review_copy / "outputs/report.html").exists()


def test_build_not_a_review_is_one_clear_line(tmp_path):
    result = litcoder("build", tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("litcoder: ") and "is not a review" in result.stderr
    assert "Traceback" not in result.stderr


def test_build_reports_an_unwritable_outputs_folder(review_copy):
    (review_copy / "outputs").write_text("a file where the folder should be")
    result = litcoder("build", review_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.startswith("litcoder: ")
    assert "outputs" in result.stderr and "internal error" not in result.stderr


def test_init_then_build(tmp_path):
    target = tmp_path / "new-review"
    made = litcoder("init", target)
    assert made.returncode == 0, made.stderr
    for relative in ("references.bib", "corpus/codebook.yaml", "corpus/decisions.csv", "corpus/sources",
                     "corpus/codings", ".gitignore", "README.md"):
        assert (target / relative).exists(), relative
    validated = litcoder("validate", target)
    assert validated.returncode == 0, validated.stdout
    built = litcoder("build", target)
    assert built.returncode == 0, built.stderr
    evidence = pd.read_csv(target / "outputs/tables/evidence.csv")
    assert len(evidence) == 5 and set(evidence["classification"]) == {"insufficient"}


def test_init_refuses_a_folder_with_files(review_copy):
    result = litcoder("init", review_copy)
    assert result.returncode == 2
    assert "already holds files" in result.stderr


def test_version():
    result = litcoder("--version")
    assert result.returncode == 0 and result.stdout.startswith("litcoder ")


def test_export_docx_writes_the_word_report_with_the_figures_drawn(review_copy):
    built = litcoder("build", review_copy, "--no-images", "-q")
    assert built.returncode == 0, built.stderr
    done = litcoder("export", "docx", review_copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Word report: " in done.stdout and "no figures: run `litcoder build` to draw them" in done.stdout
    import docx

    document = docx.Document(review_copy / "outputs" / "report.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Leadership competencies" in headings and "References" in headings


def test_a_large_review_gets_its_word_report_on_demand(review_copy, monkeypatch):
    from litcoder.outputs import report

    monkeypatch.setattr(report, "WORD_UP_TO", 5)  # the bundled review's 12 sources count as many
    result = report.build(review_copy, images=False)
    assert not (review_copy / "outputs" / "report.docx").exists()
    assert "report.docx was not written: for 12 sources it takes minutes; run `litcoder export docx` for it" \
        in result.notices
