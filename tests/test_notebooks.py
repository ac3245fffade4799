"""Every workflow notebook runs top to bottom on (a copy of) the bundled review."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_are_numbered_in_workflow_order():
    names = [p.stem for p in NOTEBOOKS]
    assert names == ["01-ingest", "02-code", "03-agreement", "04-evidence", "05-graph", "06-report"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    book = json.loads(path.read_text(encoding="utf-8"))
    for cell in book["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_the_bundled_review(path, review_copy):
    shutil.copytree(ROOT / "notebooks", review_copy / "notebooks")
    book = nbformat.read(review_copy / "notebooks" / path.name, as_version=4)
    NotebookClient(book, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(review_copy / "notebooks")}}).execute()
    errors = [o for cell in book.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    shown = [o for cell in book.cells for o in cell.get("outputs", [])]
    assert shown, "the notebook displays something"
    if path.stem == "06-report":
        assert (review_copy / "outputs" / "report.html").exists()
