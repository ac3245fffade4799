"""Shared fixtures: the bundled review, and copies of it to break on purpose."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from litcoder import Review

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REVIEW_FILES = ["references.bib", "litcoder.toml", "corpus"]


@pytest.fixture(scope="session")
def bundled() -> Review:
    """The bundled review, loaded once (read-only: do not modify its frames)."""
    return Review.load(ROOT)


@pytest.fixture
def review_copy(tmp_path) -> Path:
    """A copy of the bundled review's inputs in a temporary folder, to edit freely."""
    return copy_review(tmp_path)


def copy_review(folder: Path) -> Path:
    """Copy the bundled review's inputs into `folder`."""
    for name in REVIEW_FILES:
        source = ROOT / name
        if source.is_dir():
            # a lock file left in the working tree is this machine's, not the review's
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("*.lock"))
        else:
            shutil.copy(source, folder / name)
    return folder


def problems_of(review: Review, kind: str | None = None, file: str | None = None) -> list:
    """The review's problems, optionally only one kind and/or one file."""
    return [p for p in review.problems if (kind is None or p.kind == kind) and (file is None or p.file == file)]


def coder_file(root: Path, coder: str = "coder-d") -> Path:
    """A coder's codings file in a review."""
    return root / "corpus" / "codings" / f"{coder}.csv"


def read_rows(path: Path) -> list[dict]:
    """A CSV file's rows, as another program would read them."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def rewrite_csv(path, change) -> None:
    """Rewrite a CSV file, each row (a dict) passed through `change`."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, [change(row) for row in reader]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def values(dropdown) -> list[str]:
    """The values a dropdown offers."""
    return [value for _, value in dropdown.options]


# ---------------------------------------------------------------- the browser (Debian's chromium)

CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory):
    """outputs/report.html of a copy of the bundled review, built without images."""
    from litcoder.outputs.report import build

    folder = tmp_path_factory.mktemp("review")
    shutil.copy(ROOT / "references.bib", folder)
    shutil.copy(ROOT / "litcoder.toml", folder)
    shutil.copytree(ROOT / "corpus", folder / "corpus")
    return build(folder, images=False).report
