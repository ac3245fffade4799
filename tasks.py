#!/usr/bin/env python3
"""The two commands of the quick start, on a fresh machine with only Python 3.11+.

    python3 tasks.py build   builds the bundled review's outputs/ (litcoder build)
    python3 tasks.py test    runs the whole test suite (pytest)

Both first make the project's virtual environment `.venv/` and install litcoder into it
(again only when pyproject.toml has changed since the last install). Further arguments
are passed on: `python3 tasks.py test -k bibliography`, `python3 tasks.py build --quiet`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".litcoder-installed"


def _run(*args: str | Path) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install litcoder with its test and team extras, once per pyproject change."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print("Creating the virtual environment .venv/ …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing litcoder and its dependencies into .venv/ …", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # the team extra (the JupyterLab git panel) too, so that the suite checks the hub's recipe
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test,team]")
    # A kernel that runs this environment's Python wherever JupyterLab is started from
    # (the default kernel runs whatever `python` is first on the PATH).
    _run(BIN / "python", "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
         "--display-name", "Python 3 (litcoder)")
    STAMP.write_text(wanted + "\n")


def main(argv: list[str]) -> None:
    commands = {
        "build": [BIN / "litcoder", "build", str(ROOT)],
        "test": [BIN / "python", "-m", "pytest"],
    }
    if not argv or argv[0] not in commands:
        print(__doc__.strip())
        sys.exit(2)
    ensure_environment()
    _run(*commands[argv[0]], *argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
