"""The package keeps its shape: wings import only the wings below them (import-linter's
contract in pyproject.toml), and the code keeps the lint rules (ruff)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """import-linter's contracts from pyproject.toml, on the litcoder found in `package_parent`."""
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run([BIN / "lint-imports", "--config", ROOT / "pyproject.toml", "--no-cache"],
                          cwd=package_parent, env=env, capture_output=True, text=True, timeout=120)


def test_wings_import_only_the_wings_below_them():
    result = lint_imports(ROOT / "lib")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract_and_is_named(tmp_path):
    # The check must be able to fail: an input module that imports the report is caught.
    shutil.copytree(ROOT / "lib" / "litcoder", tmp_path / "litcoder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    codebook = tmp_path / "litcoder" / "inputs" / "codebook.py"
    codebook.write_text(codebook.read_text(encoding="utf-8") + "\nfrom ..outputs import report  # upward\n",
                        encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert "litcoder.inputs.codebook -> litcoder.outputs.report" in result.stdout


def test_code_keeps_the_lint_rules():
    result = subprocess.run([BIN / "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
