"""corpus/attributes.csv → each source's attributes (source type, field, sector …), checked.

The committee defines its attributes once, in litcoder.toml, each with the values it may
take ([attributes.<id>]: label, values); this file gives each source's, a row per source:

    citekey,source_type,field,sector
    Kotter1990WhatLeaders,practitioner article,business and management,business

An empty cell is an attribute not known yet. A value is matched to its allowed spelling
whatever its case and spaces; any other value, an unknown citekey or a second row for a
source is reported with its line, and the rest of the file is read.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..files import read_csv_rows, shown
from ..problems import ProblemLog
from .bibliography import closest


def read_attributes(path: Path, name: str, definitions: dict[str, dict], citekeys: list[str]
                    ) -> tuple[pd.DataFrame, ProblemLog]:
    """A row per source (every citekey, in order) and a column per defined attribute ('' where
    not given), and the problems met."""
    log = ProblemLog(name)
    given: dict[str, dict[str, str]] = {}
    if path.exists() and definitions:
        _read_rows(path, log, definitions, set(citekeys), given)
    elif path.exists():
        log.warning(None, "no attributes are defined, so this file is not read",
                    'define each in litcoder.toml: [attributes.source_type], then values = ["book", "chapter"]',
                    "attributes-undefined")
    frame = pd.DataFrame({"citekey": list(citekeys),
                          **{a: [given.get(k, {}).get(a, "") for k in citekeys] for a in definitions}})
    missing = [k for k in citekeys if k not in given]
    if definitions and missing and citekeys:
        log.info(None, f"{len(missing)} of {len(citekeys)} sources have no row here (e.g. {missing[0]}), so their "
                 "attributes are not known", f"add a row per source to {name}", "attributes-missing")
    return frame, log


def _read_rows(path: Path, log: ProblemLog, definitions: dict[str, dict], citekeys: set[str],
               given: dict[str, dict[str, str]]) -> None:
    allowed = {a: {" ".join(v.split()).casefold(): v for v in d["values"]} for a, d in definitions.items()}
    rows = read_csv_rows(path, log, ["citekey"], ["citekey", *definitions, "conflict"])
    for row in rows or []:
        citekey = row.values["citekey"]
        if citekey not in citekeys:
            log.error(row.line, f"unknown citekey '{shown(citekey)}'{closest(citekey, citekeys)}; this row was left "
                      "out", "use a citekey from the bibliography", "attributes-citekey")
            continue
        if citekey in given:
            log.error(row.line, f"{citekey} already has a row (line {given[citekey]['_line']}); this one was left out",
                      "keep one row per source", "attributes-duplicate")
            continue
        if row.values.get("conflict"):  # the merge of two clones marks a cell both changed
            log.warning(row.line, f"{citekey}'s attributes were changed two ways in two clones at once "
                        f"({shown(row.values['conflict'], 120)}); this row's values count for now",
                        "keep the right value in each cell, empty the conflict cell, and commit", "attributes-conflict")
        values = {"_line": row.line}
        for attribute, spellings in allowed.items():
            cell = " ".join(row.values.get(attribute, "").split())
            if cell and cell.casefold() not in spellings:
                log.error(row.line, f"{attribute} '{shown(cell)}' is not one of its values"
                          f"{closest(cell, list(spellings.values()))}; it is left unknown",
                          f"use one of: {', '.join(spellings.values())} (or add it to [attributes.{attribute}] in "
                          "litcoder.toml)", "attributes-value")
                continue
            values[attribute] = spellings.get(cell.casefold(), "")
        given[citekey] = values
