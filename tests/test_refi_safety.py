"""A .qdpx, .qdc or .qde is untrusted input: whatever it holds, importing it reads nothing outside
the archive, writes nothing anywhere, fetches nothing, and ends in a clear problem, never a traceback.

Every archive here is built by the test itself (no binary fixtures). The paths it names follow
the vendors' conventions from /tmp/refi_research.md: `internal://<guid>.txt` under `sources/`
(CONFIRMED for NVivo and QualCoder), `relative://` resolved against `Project@basePath` and
`absolute://` (CONFIRMED as schemes in the standard and ATLAS.ti's external media). The attacks
themselves (zip slip, zip bombs, XXE, entity bombs) are no vendor's behaviour: they are what a
malicious file would hold.
"""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zipfile
from pathlib import Path

import pytest
from conftest import coder_file
from typer.testing import CliRunner

from litcoder import Review
from litcoder.cli import app
from litcoder.inputs import refi
from litcoder.inputs.refi import guid
from litcoder.screens.refi import import_exchange

CITEKEY = "Kotter1990WhatLeaders"
USER = guid("coder", "coder-x")
SOURCE = guid("source", CITEKEY)
PASSWD = Path("/etc/passwd")
PASSWD_TEXT = PASSWD.read_text(encoding="utf-8", errors="replace") if PASSWD.is_file() else ""
# the start of /etc/passwd, which a problem's quote (an orphan's) would show if it were ever read
PASSWD_LINE = next((line for line in PASSWD_TEXT.splitlines() if line.strip()), "")[:20]


# ------------------------------------------------------------------------ building the files

def project_xml(path: str, base_path: str = "", doctype: str = "", extra: str = "") -> str:
    """A small REFI project (NVivo-like layout): one user, one framing code, one source at `path`
    with two coded selections: the start of its text, and a passage the bundled review's Kotter
    text has at 232..278 (so a readable text imports one coding)."""
    code = guid("framing", "charisma:neither")
    selections = "".join(
        f'<PlainTextSelection guid="{guid("sel", str(start))}" startPosition="{start}" endPosition="{end}" '
        f'creatingUser="{USER}"><Coding guid="{guid("cod", str(start))}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for start, end in ((0, 30), (232, 278)))
    base = f' basePath="{base_path}"' if base_path else ""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}'
            f'<Project xmlns="urn:QDA-XML:project:1.0" name="hostile" origin="hand-made"{base}>\n'
            f'<Users><User guid="{USER}" name="coder-x"/></Users>\n'
            f'<CodeBook><Codes><Code guid="{code}" name="Charisma › neither" isCodable="true"/></Codes></CodeBook>\n'
            f'<Sources><TextSource guid="{SOURCE}" name="{CITEKEY}" plainTextPath="{path}">{selections}'
            f'</TextSource></Sources>{extra}\n</Project>\n')


def archive(entries: list[tuple[str, bytes | str]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip with exactly these entry names (ZipInfo keeps '../', '/' and '\\' as given)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as out:
        for name, data in entries:
            info = zipfile.ZipInfo("x", (2020, 1, 1, 0, 0, 0))
            info.filename = name  # set after: ZipInfo() would turn a Windows name's '\\' into '/'
            info.compress_type = compression
            out.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()


def kotter(review: Path) -> str:
    return Review.load(review).texts[CITEKEY]


def tree(root: Path) -> dict[str, str]:
    """Every file under `root`, by path, with a hash of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def codings_bytes(review: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((review / "corpus" / "codings").rglob("*.csv"))}


def evil_targets(review: Path) -> list[Path]:
    """Where an archive's 'evil.txt' would land if anything unpacked it, from the review or the working folder."""
    places = [review, review.parent, review.parent.parent, Path.cwd(), Path.cwd().parent, Path("/"), Path("/abs")]
    return [place / name for place in places for name in ("evil.txt", "C:\\evil.txt", "C:evil.txt")]


def imported_safely(review: Path, data: bytes, name: str = "evil.qdpx", **options):
    """Import `data` as a file in the review's folder; check that nothing at all was written, and
    return the problems."""
    path = review / name
    path.write_bytes(data)
    loaded = Review.load(review)
    before, codings = tree(review), codings_bytes(review)
    result = import_exchange(loaded, path, **options)
    assert tree(review) == before  # nothing written, in the review or beside it
    assert codings_bytes(review) == codings
    assert not [target for target in evil_targets(review) if target.exists()]
    assert not list(review.parent.glob("*evil*"))
    for problem in result.problems:
        assert "Traceback" not in str(problem)
        if PASSWD_LINE:
            assert PASSWD_LINE not in str(problem)
    return result


def _write(review: Path, data: bytes, name: str = "evil.qdpx") -> Path:
    (review / name).write_bytes(data)
    return review / name


def kinds(result) -> set[tuple[str, str]]:
    return {(p.severity, p.kind) for p in result.problems}


# ------------------------------------------------------------------------ the control

def test_a_well_formed_archive_of_the_same_shape_does_import(review_copy):
    # the hostile files below differ from this one only in their attack: this one adds a coding,
    # so the checks that they add nothing can fail
    text = kotter(review_copy)
    data = archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (f"sources/{SOURCE}.txt", text)])
    (review_copy / "fine.qdpx").write_bytes(data)
    result = import_exchange(Review.load(review_copy), review_copy / "fine.qdpx")
    assert not result.failed, [str(p) for p in result.problems]
    assert result.added == {"coder-x": 1}
    assert coder_file(review_copy, "coder-x").exists()


# ------------------------------------------------------------------------ zip slip

@pytest.mark.parametrize("entry", ["../../evil.txt", "/abs/evil.txt", "C:\\evil.txt", "sources/../../evil.txt",
                                   "\\\\server\\share\\evil.txt"])
def test_an_entry_named_to_leave_the_folder_is_named_and_never_read_or_unpacked(review_copy, entry):
    # the project names the entry as its source's text: were it read, the text (the review's own)
    # would place both selections and add codings
    path = "internal://" + entry.removeprefix("sources/")
    data = archive([("project.qde", project_xml(path)), (entry, kotter(review_copy))])
    result = imported_safely(review_copy, data)
    assert ("warning", "refi-unsafe-path") in kinds(result)
    assert ("error", "refi-unsafe-path") in kinds(result)  # the text path, refused
    assert result.failed and not any(result.added.values())
    warned = next(p for p in result.problems if p.severity == "warning" and p.kind == "refi-unsafe-path")
    assert "evil.txt" in str(warned)


def test_a_text_path_climbing_out_of_the_archive_is_refused(review_copy):
    data = archive([("project.qde", project_xml("internal://../../../etc/passwd"))])
    result = imported_safely(review_copy, data)
    refused = [p for p in result.problems if p.kind == "refi-unsafe-path"]
    assert [p.severity for p in refused] == ["error"] and refused[0].line is not None
    assert ("warning", "refi-no-text") in kinds(result)  # so its selections are not placed
    assert not any(result.added.values())


def test_a_project_file_named_to_leave_the_folder_is_not_read_as_the_project(review_copy):
    data = archive([("/project.qde", project_xml(f"internal://{SOURCE}.txt")),
                    (f"sources/{SOURCE}.txt", kotter(review_copy))])
    result = import_exchange(Review.load(review_copy), _write(review_copy, data))
    assert ("error", "refi-not-project") in kinds(result)
    assert not any(result.added.values())



# ------------------------------------------------------------------------ texts outside the archive

@pytest.mark.parametrize("path, base", [("file:///etc/passwd", ""), ("absolute:///etc/passwd", ""),
                                        ("relative://passwd", "/etc/"), ("relative:///passwd", "file:///etc"),
                                        ("/etc/passwd", ""), ("../../../../../../etc/passwd", "")])
def test_a_text_outside_the_archive_is_never_read(review_copy, path, base):
    # ATLAS.ti points at external media with relative:// and a basePath (CONFIRMED, Ornio); litcoder
    # reads only texts inside the archive. A selection at 0..30 would quote the file's first line
    # in an orphan warning if it were read: imported_safely checks that it never appears.
    result = imported_safely(review_copy, archive([("project.qde", project_xml(path, base))]))
    assert ("warning", "refi-external-text") in kinds(result)
    assert ("warning", "refi-no-text") in kinds(result)
    assert not any(result.added.values()) and result.orphans == 0


def test_a_bare_qde_names_texts_it_cannot_have_and_reads_none(review_copy):
    # NVivo opens a .qde alone (CONFIRMED, research §9): there is no archive, so no text is read at all
    data = project_xml(f"internal://{SOURCE}.txt").encode("utf-8")
    result = imported_safely(review_copy, data, name="project.qde")
    assert ("warning", "refi-no-text") in kinds(result)
    assert not any(result.added.values())


# ------------------------------------------------------------------------ zip bombs and sizes

def test_an_entry_that_grows_past_200_times_is_a_zip_bomb(review_copy):
    zeros = bytes(20 * 2**20)  # 20 MiB of zeros deflate to some 20 kB: over 1000 times
    data = archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (f"sources/{SOURCE}.txt", zeros)])
    assert len(data) < 200_000
    started = time.perf_counter()
    result = imported_safely(review_copy, data)
    assert time.perf_counter() - started < 5
    assert ("error", "refi-bomb") in kinds(result)


def test_a_project_file_that_is_a_zip_bomb_is_refused_before_it_is_parsed(review_copy):
    bomb = project_xml("internal://x.txt").replace("</Project>", " " * (20 * 2**20) + "</Project>")
    result = imported_safely(review_copy, archive([("project.qde", bomb)]))
    assert kinds(result) == {("error", "refi-bomb")}


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with the uncompressed size of entry `name` set to `size` in both of its headers."""
    data = bytearray(data)
    local = data.find(b"PK\x03\x04")
    while local != -1:
        length = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30:local + 30 + length] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_entry_whose_header_understates_its_size_is_read_no_further_than_it_claims(review_copy):
    # the header says 1,000 bytes (a harmless ratio); the data unpacks to 20 MiB of zeros
    name = f"sources/{SOURCE}.txt"
    data = archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (name, bytes(20 * 2**20))])
    data = _lie_about_size(data, name.encode(), 1000)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(name).file_size == 1000
    started = time.perf_counter()
    result = imported_safely(review_copy, data)
    assert time.perf_counter() - started < 5
    assert result.failed
    assert {p.kind for p in result.problems if p.severity == "error"} <= {"refi-archive", "refi-bomb",
                                                                           "refi-too-large"}


def test_a_text_larger_than_the_limit_is_refused(review_copy, monkeypatch):
    monkeypatch.setattr(refi, "TEXT_LIMIT", 1000)
    text = kotter(review_copy)
    assert len(text.encode("utf-8")) > 1000
    data = archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (f"sources/{SOURCE}.txt", text)])
    result = imported_safely(review_copy, data)
    assert ("error", "refi-too-large") in kinds(result)


def test_a_project_file_larger_than_the_limit_is_refused(review_copy, monkeypatch):
    monkeypatch.setattr(refi, "XML_LIMIT", 500)
    result = imported_safely(review_copy, archive([("project.qde", project_xml("internal://x.txt"))]))
    assert kinds(result) == {("error", "refi-too-large")}


def test_an_archive_read_past_the_total_limit_is_refused(review_copy, monkeypatch):
    # each entry is within its own limit; together they are not
    monkeypatch.setattr(refi, "TOTAL_LIMIT", 4000)
    text = kotter(review_copy)[:3000]
    data = archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (f"sources/{SOURCE}.txt", text)])
    assert len(data) < 4000 < len(text.encode()) + len(project_xml("x").encode())
    result = imported_safely(review_copy, data)
    assert ("error", "refi-too-large") in kinds(result)


def test_a_file_larger_than_the_total_limit_is_not_even_read(review_copy, monkeypatch):
    monkeypatch.setattr(refi, "TOTAL_LIMIT", 100)
    result = imported_safely(review_copy, archive([("project.qde", project_xml("internal://x.txt"))]))
    assert kinds(result) == {("error", "refi-too-large")}


def test_an_archive_of_too_many_entries_is_refused(review_copy, monkeypatch):
    monkeypatch.setattr(refi, "ENTRY_LIMIT", 10)
    entries = [("project.qde", project_xml("internal://x.txt"))] + [(f"sources/{n}.txt", "x") for n in range(10)]
    result = imported_safely(review_copy, archive(entries))
    assert kinds(result) == {("error", "refi-too-many")}
    assert "11 entries" in str(result.problems[0])


# ------------------------------------------------------------------------ the XML: DTDs and entities

XXE = '<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def test_an_external_entity_in_the_text_of_an_element_is_refused_and_never_read(review_copy):
    xml = project_xml("internal://x.txt", doctype=XXE, extra="<Description>&xxe;</Description>")
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert kinds(result) == {("error", "refi-dtd")}


def test_an_external_entity_in_an_attribute_is_refused_as_a_dtd(review_copy):
    xml = project_xml("internal://x.txt", doctype=XXE).replace('name="hostile"', 'name="&xxe;"')
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert kinds(result) == {("error", "refi-dtd")}


def test_an_external_entity_in_an_attribute_is_never_read(review_copy):
    # whatever its kind, the refusal holds nothing of the file the entity names
    xml = project_xml("internal://x.txt", doctype=XXE).replace('name="hostile"', 'name="&xxe;"')
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert result.failed and kinds(result) <= {("error", "refi-dtd"), ("error", "refi-xml")}


LAUGHS = "<!DOCTYPE Project [\n<!ENTITY lol0 \"lol\">\n" + "".join(
    f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10)) + "]>\n"


def test_a_billion_laughs_is_refused_as_a_dtd_at_once(review_copy):
    xml = project_xml("internal://x.txt", doctype=LAUGHS, extra="<Description>&lol9;</Description>")
    started = time.perf_counter()
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert time.perf_counter() - started < 2
    assert kinds(result) == {("error", "refi-dtd")}


def test_a_billion_laughs_is_refused_at_once(review_copy):
    xml = project_xml("internal://x.txt", doctype=LAUGHS, extra="<Description>&lol9;</Description>")
    started = time.perf_counter()
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert time.perf_counter() - started < 2
    assert result.failed and kinds(result) <= {("error", "refi-dtd"), ("error", "refi-xml")}
    assert "lollollol" not in " ".join(map(str, result.problems))


def test_laughs_declared_but_never_used_are_still_refused_as_a_dtd(review_copy):
    xml = project_xml("internal://x.txt", doctype=LAUGHS)
    started = time.perf_counter()
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert time.perf_counter() - started < 2
    assert kinds(result) == {("error", "refi-dtd")}


def test_an_external_dtd_is_refused_without_fetching_it(review_copy, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("litcoder tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)  # Python's own; libxml2's no_network covers its own
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    xml = project_xml("internal://x.txt", doctype='<!DOCTYPE Project SYSTEM "http://example.invalid/x.dtd">\n')
    started = time.perf_counter()
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    assert time.perf_counter() - started < 2
    assert kinds(result) == {("error", "refi-dtd")}


def test_an_xinclude_is_not_followed(review_copy):
    # lxml never processes XInclude unless asked; the description holds no file's content
    extra = ('<Description xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" '
             'parse="text"/></Description>')
    result = imported_safely(review_copy, archive([("project.qde", project_xml("file:///etc/passwd", extra=extra))]))
    assert not result.failed


# ------------------------------------------------------------------------ files that are not projects

def test_malformed_xml_is_refused_with_its_line(review_copy):
    xml = project_xml("internal://x.txt").replace("</Users>", "</Userz>")
    result = imported_safely(review_copy, archive([("project.qde", xml)]))
    [problem] = result.problems
    assert (problem.severity, problem.kind, problem.line) == ("error", "refi-xml", 3)
    assert ":3: error: the XML cannot be read" in str(problem)


def test_random_bytes_are_refused(review_copy):
    result = imported_safely(review_copy, bytes(range(256)) * 8)
    assert result.failed and kinds(result) <= {("error", "refi-xml"), ("error", "refi-archive")}


def test_an_empty_file_is_refused(review_copy):
    result = imported_safely(review_copy, b"")
    assert result.failed and kinds(result) <= {("error", "refi-xml"), ("error", "refi-archive")}


def _exported(review: Path) -> bytes:
    text = kotter(review)
    return archive([("project.qde", project_xml(f"internal://{SOURCE}.txt")), (f"sources/{SOURCE}.txt", text)])


def test_a_truncated_archive_is_called_a_damaged_archive(review_copy):
    data = _exported(review_copy)
    result = imported_safely(review_copy, data[:len(data) // 2])
    assert kinds(result) == {("error", "refi-archive")}


def test_a_truncated_archive_is_refused(review_copy):
    data = _exported(review_copy)
    result = imported_safely(review_copy, data[:len(data) // 2])
    assert result.failed and kinds(result) <= {("error", "refi-xml"), ("error", "refi-archive")}


def test_an_archive_with_a_damaged_entry_is_a_damaged_archive(review_copy):
    data = bytearray(_exported(review_copy))
    start = data.find(b"PK\x03\x04", 4)  # the second entry (the text): garble its compressed bytes
    data[start + 80:start + 400] = bytes(320)
    result = imported_safely(review_copy, bytes(data))
    assert ("error", "refi-archive") in kinds(result)


def test_a_zip_without_a_qde_is_not_a_project(review_copy):
    result = imported_safely(review_copy, archive([("sources/a.txt", "A text."), ("readme.md", "Hello.")]))
    assert kinds(result) == {("error", "refi-not-project")}


def test_a_qdpx_whose_xml_is_a_web_page_is_not_a_project(review_copy):
    result = imported_safely(review_copy, archive([("project.qde", "<html><body><p>Hi</p></body></html>")]))
    assert kinds(result) == {("error", "refi-not-project")}
    assert "<html>" in str(result.problems[0])


def test_a_web_page_saved_as_qdpx_is_not_a_project(review_copy):
    result = imported_safely(review_copy, b"<!-- a download page -->\n<html><body>Not found</body></html>")
    assert kinds(result) == {("error", "refi-not-project")}


# ------------------------------------------------------------------------ the command line

@pytest.mark.parametrize("data", [
    pytest.param(lambda review: archive([("project.qde", project_xml("internal://../../evil.txt")),
                                         ("../../evil.txt", "x")]), id="zip-slip"),
    pytest.param(lambda review: archive([("project.qde", project_xml("internal://x.txt", doctype=XXE,
                                                                     extra="<Description>&xxe;</Description>"))]),
                 id="xxe"),
    pytest.param(lambda review: bytes(range(256)), id="garbage"),
])
def test_the_command_line_refuses_a_hostile_file_in_one_clear_message(review_copy, data):
    path = _write(review_copy, data(review_copy))
    Review.load(review_copy)  # loading a review fills its .litcoder cache; the import must add nothing
    before = tree(review_copy)
    result = CliRunner().invoke(app, ["import", "qdpx", str(path), "--review", str(review_copy)])
    assert result.exit_code == 1, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert tree(review_copy) == before
    assert not [target for target in evil_targets(review_copy) if target.exists()]
    if PASSWD_LINE:
        assert PASSWD_LINE not in result.output
