"""REFI-QDA exchange files (.qdpx projects, .qdc codebooks) → what they hold, read as untrusted input.

NVivo, ATLAS.ti, MAXQDA and QualCoder write these files, each in its own way. What is read:

- a `.qdpx` is a zip holding `project.qde` (the XML) and the sources' texts under `sources/`;
  only `project.qde` and the plain texts it names (`internal://…`) are read, into memory,
  each within a size limit, so nothing of the archive is ever written to disk, and a path
  that would leave the archive (`../`, an absolute or a drive path) is refused;
- the XML is parsed without a DTD: a file declaring one (the way of entity bombs and of
  reading other files, XXE) is refused; nothing is fetched from the network;
- namespaces, versions and guids are read loosely: any namespace or none, guids in any
  case, with or without braces;
- a text may start with a byte order mark, be UTF-8 or UTF-16, and end its lines with CRLF;
- where a selection starts and ends is counted in characters (code points) by some tools
  and in UTF-16 code units by others, and on the text as stored or with CRLF as one
  character: `offsets()` tells which from the selections themselves.

    >>> project, log = read_exchange(Path("project.qdpx"))     # doctest: +SKIP
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from ..problems import ProblemLog

PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE = "urn:QDA-XML:codebook:1.0"
GUIDS = uuid.UUID("5d3c1f2e-7a41-4b8e-9c0d-2f6a1e8b4c70")
"""The namespace of litcoder's guids: uuid5(GUIDS, 'competency:planning') and so on."""

PROJECT_FILE = "project.qde"
ENTRY_LIMIT = 50_000
"""The most entries an archive may hold: a project of 10,000 sources, each as its plain text,
its original (PDF, Word) and a spare, with room left."""
XML_LIMIT = 256 * 2**20
"""The largest project.qde read (256 MiB): 100,000 codings take about 60 MiB."""
TEXT_LIMIT = 64 * 2**20
"""The largest source text read (64 MiB, some 30,000 pages of plain text)."""
TOTAL_LIMIT = 1024 * 2**20
"""The most read from one archive in all (1 GiB), whatever its entries claim."""
RATIO_LIMIT = 200
"""An entry that claims to grow more than this many times on unpacking, past 1 MiB, is
taken for a zip bomb: text compresses some 3 to 10 times, XML up to about 30."""

OFFSET_UNITS = ("codepoints", "utf16")


@functools.lru_cache(maxsize=65536)  # the codes' and coders' guids are asked for once per coding
def guid(kind: str, key: str) -> str:
    """The stable guid litcoder gives a group, competency, framing, source, coder, coding or set."""
    return str(uuid.uuid5(GUIDS, f"{kind}:{key}"))


class Refused(Exception):
    """The file cannot be read, or must not be: the message says why and what to do."""

    def __init__(self, message: str, action: str, kind: str, line: int | None = None):
        super().__init__(message)
        self.action, self.kind, self.line = action, kind, line


@dataclass
class Code:
    guid: str
    name: str
    codable: bool
    parent: str | None  # the parent code's guid
    description: str = ""
    colour: str = ""
    line: int | None = None


@dataclass
class Selection:
    guid: str
    name: str
    start: int
    end: int
    user: str  # the creating user's guid ('' if none)
    created: str
    codes: list[tuple[str, str, str]]  # (code guid, the coding's user guid, its creation time)
    notes: list[str]  # note guids
    description: str
    line: int | None


@dataclass
class Source:
    guid: str
    name: str
    description: str
    text: str | None  # None: the text is not in the archive (or could not be read)
    path: str
    selections: list[Selection]
    line: int | None


@dataclass
class Exchange:
    """What a .qdpx or .qdc holds: its users, codes, sources (with texts and selections), notes."""

    kind: str  # 'project' | 'codebook'
    origin: str
    namespace: str
    document: str  # what problems name: 'project.qdpx/project.qde', or the .qdc
    users: dict[str, str] = field(default_factory=dict)  # guid → name
    codes: dict[str, Code] = field(default_factory=dict)  # guid → code, in document order
    sources: list[Source] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)  # guid → text


def read_exchange(path: Path) -> tuple[Exchange | None, ProblemLog]:
    """The project or codebook in `path` (.qdpx, .qdc, or a bare project.qde), and the problems met.

    A file that must be refused gives None and an error naming why; a part that cannot be
    read (a selection without positions, a text that is not in the archive) is named and
    the rest is read.
    """
    path = Path(path)
    log = ProblemLog(path.name)
    try:
        data = _bounded_read(path)
        if zipfile.is_zipfile(io.BytesIO(data)):
            return _read_archive(data, log), log
        if data.startswith(b"PK\x03\x04"):
            raise Refused("the archive is incomplete or damaged (cut short in a download?)",
                          "export or download the project again", "refi-archive")
        return _read_document(data, {}, log), log
    except Refused as refusal:
        log.error(refusal.line, str(refusal), refusal.action, refusal.kind)
        return None, log


def _bounded_read(path: Path) -> bytes:
    if not path.is_file():
        raise Refused("no such file", "give the path of a .qdpx or .qdc file", "refi-file")
    if path.stat().st_size > TOTAL_LIMIT:
        raise Refused(f"the file is larger than {TOTAL_LIMIT // 2**20} MiB, the most litcoder reads",
                      "export the project in parts (by source) and import each", "refi-too-large")
    return path.read_bytes()


# --- the archive -------------------------------------------------------------------------

class _Archive:
    """A zip read as untrusted: names checked, each read bounded in size and in all."""

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as err:
            raise Refused(f"the archive cannot be read ({err})", "export the project again from the other tool",
                          "refi-archive") from None
        if len(infos) > ENTRY_LIMIT:
            raise Refused(f"the archive holds {len(infos):,} entries, more than the {ENTRY_LIMIT:,} litcoder "
                          "reads from one project", "export the project in parts and import each", "refi-too-many")
        self.entries = {}
        for info in infos:
            self.entries.setdefault(_entry_key(info.filename), info)
        self.read_so_far = 0

    def has(self, name: str) -> bool:
        return _entry_key(name) in self.entries

    def read(self, name: str, limit: int) -> bytes | None:
        info = self.entries.get(_entry_key(name))
        if info is None:
            return None
        if info.file_size > max(2**20, info.compress_size * RATIO_LIMIT):
            raise Refused(f"{info.filename} claims to unpack to {info.file_size:,} bytes from "
                          f"{info.compress_size:,}: a zip bomb, not a project", "do not open this file; ask its "
                          "sender for a fresh export", "refi-bomb")
        budget = min(limit, TOTAL_LIMIT - self.read_so_far)
        try:
            with self.zip.open(info) as entry:
                data = entry.read(budget + 1)  # never more, whatever the header claims
        except Exception as err:  # a damaged stream: zlib, lzma and bz2 each fail their own way
            raise Refused(f"{info.filename} cannot be unpacked ({err})", "export the project again from the other "
                          "tool", "refi-archive") from None
        if len(data) > budget:
            raise Refused(f"{info.filename} unpacks to more than {budget // 2**20} MiB, more than litcoder reads",
                          "do not open this file if you did not expect it; otherwise export the project in parts",
                          "refi-too-large")
        self.read_so_far += len(data)
        return data


def _entry_key(name: str) -> str:
    # Windows tools write 'Sources\\x.txt' or 'Sources/x.txt' and name them in either case
    name = name.replace("\\", "/").casefold()
    return name[2:] if name.startswith("./") else name


def _read_archive(data: bytes, log: ProblemLog) -> Exchange:
    archive = _Archive(data)
    for name in archive.entries:
        if _unsafe(name):
            log.warning(None, f"the archive holds an entry named {name!r}, which would be written outside "
                        "the folder it is unpacked in; litcoder reads nothing from it", "if you did not expect "
                        "this, ask the file's sender where it came from", "refi-unsafe-path")
    names = [name for name in archive.entries if name.endswith(".qde") and "/" not in name and not _unsafe(name)]
    if not names:
        raise Refused(f"the archive holds no {PROJECT_FILE}, so it is no REFI-QDA project",
                      "export the project from the other tool as a REFI-QDA project (.qdpx)", "refi-not-project")
    name = PROJECT_FILE if PROJECT_FILE in names else names[0]
    log.file = f"{log.file}/{archive.entries[name].filename}"  # lines from here on are the XML's lines
    return _read_document(archive.read(name, XML_LIMIT), archive, log)


def _unsafe(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/"))
    return (name.startswith(("/", "\\")) or bool(re.match(r"^[a-zA-Z]:", name)) or ".." in parts.parts)


# --- the XML -----------------------------------------------------------------------------

def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        if _declares_dtd(data):  # an entity bomb, or an entity where none may be, fails before the check below
            raise Refused(_DTD, _DTD_ACTION, "refi-dtd", 1) from None
        raise Refused(f"the XML cannot be read: {err.msg}", "export the project again from the other tool",
                      "refi-xml", err.lineno) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise Refused(_DTD, _DTD_ACTION, "refi-dtd", 1)
    return root


_DTD = ("the XML declares a DTD, which a REFI-QDA file never has and which can make a reader fetch other files "
        "or expand without end; nothing was read")
_DTD_ACTION = "do not open this file; ask its sender for a fresh export"


def _declares_dtd(data: bytes) -> bool:
    """Whether the prolog (what comes before the first element) declares a DTD or entities."""
    text = decode_text(data[:65536])
    prolog = re.split(r"<[A-Za-z_]", re.sub(r"<!--.*?-->|<\?.*?\?>", "", text, flags=re.S), maxsplit=1)[0]
    return "<!DOCTYPE" in prolog or "<!ENTITY" in prolog


def _local(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _children(element, name: str) -> list:
    return list(element.iterchildren("{*}" + name))  # in any namespace, or none


def _child(element, name: str):
    found = _children(element, name)
    return found[0] if found else None


def _text_of(element, name: str) -> str:
    child = _child(element, name)
    return (child.text or "").strip() if child is not None else ""


def norm_guid(value: str | None) -> str:
    """A guid as litcoder compares them: lower case, without braces."""
    return (value or "").strip().strip("{}").lower()


def _read_document(data: bytes, archive, log: ProblemLog) -> Exchange:
    root = _parse(data)
    kind = {"Project": "project", "CodeBook": "codebook"}.get(_local(root))
    if kind is None:
        raise Refused(f"the XML's root is <{_local(root)}>, not a REFI-QDA <Project> or <CodeBook>",
                      "give a .qdpx project or a .qdc codebook", "refi-not-project", root.sourceline)
    namespace = etree.QName(root).namespace or ""
    expected = PROJECT_NAMESPACE if kind == "project" else CODEBOOK_NAMESPACE
    if namespace != expected:
        log.info(root.sourceline, f"the XML's namespace is {namespace or 'missing'!r}, not {expected!r}; read "
                 "as REFI-QDA 1.0", "", "refi-namespace")
    exchange = Exchange(kind, root.get("origin", ""), namespace, log.file)
    for user in (u for users in _children(root, "Users") for u in _children(users, "User")):
        exchange.users[norm_guid(user.get("guid"))] = (user.get("name") or user.get("id") or "").strip()
    codes = _child(_child(root, "CodeBook"), "Codes") if kind == "project" and _child(root, "CodeBook") is not None \
        else _child(root, "Codes")
    if codes is not None:
        _read_codes(codes, None, exchange, log)
    for notes in _children(root, "Notes"):
        for note in _children(notes, "Note"):
            exchange.notes[norm_guid(note.get("guid"))] = _note_text(note, archive, log)
    for sources in _children(root, "Sources"):
        for element in sources:
            source = _read_source(element, archive, log)
            if source is not None:
                exchange.sources.append(source)
    _linked_notes(root, exchange)
    return exchange


def _linked_notes(root, exchange: Exchange) -> None:
    """NVivo links a note to a selection by a <Link> rather than a <NoteRef>: read it as one."""
    selections = {selection.guid: selection for source in exchange.sources for selection in source.selections}
    for link in (link for links in _children(root, "Links") for link in _children(links, "Link")):
        ends = norm_guid(link.get("originGUID")), norm_guid(link.get("targetGUID"))
        for note, selection in (ends, ends[::-1]):
            if note in exchange.notes and selection in selections and note not in selections[selection].notes:
                selections[selection].notes.append(note)


def _read_codes(parent, parent_guid: str | None, exchange: Exchange, log: ProblemLog) -> None:
    for element in _children(parent, "Code"):
        code_guid = norm_guid(element.get("guid"))
        if not code_guid:
            log.warning(element.sourceline, f"the code {element.get('name', '')!r} has no guid, so no selection "
                        "can name it; it is left out", "", "refi-code")
            continue
        exchange.codes[code_guid] = Code(code_guid, (element.get("name") or "").strip(),
                                         element.get("isCodable", "true").strip().lower() not in ("false", "0"),
                                         parent_guid, _text_of(element, "Description"), element.get("color", ""),
                                         element.sourceline)
        _read_codes(element, code_guid, exchange, log)


def _note_text(note, archive, log: ProblemLog) -> str:
    inline = _child(note, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    path = note.get("plainTextPath", "")
    return _internal_text(path, archive, log, note.sourceline) or "" if path else ""


def _read_source(element, archive, log: ProblemLog) -> Source | None:
    kind = _local(element)
    name = (element.get("name") or "").strip()
    if kind == "PDFSource":  # its text, if any, is its Representation, and selections on that
        element = _child(element, "Representation")
        if element is None:
            log.warning(None, f"the PDF source {name!r} has no plain-text representation, so its codings "
                        "(areas of pages) cannot be placed in a text", "code it in litcoder, or export it from the "
                        "other tool as a text source", "refi-not-text")
            return None
    elif kind != "TextSource":
        if kind.endswith("Source"):
            log.info(element.sourceline, f"the {kind.removesuffix('Source').lower()} source {name!r} is not text; "
                     "litcoder codes texts only, so it is left out", "", "refi-not-text")
        return None
    path = element.get("plainTextPath", "")
    inline = _child(element, "PlainTextContent")
    if inline is not None and inline.text:
        text = inline.text
    else:
        text = _internal_text(path, archive, log, element.sourceline) if path else None
    selections = [s for s in (_selection(e, name, log) for e in _children(element, "PlainTextSelection")) if s]
    return Source(norm_guid(element.get("guid")), name, _text_of(element, "Description"), text, path, selections,
                  element.sourceline)


def _selection(element, source: str, log: ProblemLog) -> Selection | None:
    try:
        start, end = int(element.get("startPosition", "")), int(element.get("endPosition", ""))
    except ValueError:
        log.warning(element.sourceline, f"a selection in {source!r} has no whole-number startPosition and "
                    "endPosition; it is left out", "", "refi-selection")
        return None
    if not 0 <= start < end:
        log.info(element.sourceline, f"a selection in {source!r} runs from {start} to {end}, which selects "
                 "no text; it is left out", "", "refi-selection")
        return None
    codes = []
    for coding in _children(element, "Coding"):
        reference = _child(coding, "CodeRef")
        if reference is not None:
            codes.append((norm_guid(reference.get("targetGUID")), norm_guid(coding.get("creatingUser")),
                          coding.get("creationDateTime", "")))
    notes = [norm_guid(ref.get("targetGUID")) for ref in _children(element, "NoteRef")]
    # a selection without its creating user may still name who changed it last (QualCoder does the same)
    user = norm_guid(element.get("creatingUser")) or norm_guid(element.get("modifyingUser"))
    return Selection(norm_guid(element.get("guid")), element.get("name", ""), start, end,
                     user, element.get("creationDateTime") or element.get("modifiedDateTime", ""), codes, notes,
                     _text_of(element, "Description"), element.sourceline)


def _internal_text(path: str, archive, log: ProblemLog, line: int | None) -> str | None:
    """The text a plainTextPath names inside the archive, or None (said why)."""
    if "://" not in path and archive and archive.has(f"sources/{path}"):
        path = "internal://" + path  # a bare file name, as some exports write it
    if not path.lower().startswith("internal://"):
        log.warning(line, f"the text {path!r} is outside the archive; litcoder reads only the texts inside it",
                    "export the project from the other tool with its sources included", "refi-external-text")
        return None
    name = path[len("internal://"):]
    if _unsafe(name):
        log.error(line, f"the text path {path!r} points outside the archive; it is not read",
                  "do not trust this file; ask its sender for a fresh export", "refi-unsafe-path")
        return None
    data = None
    if archive:
        data = archive.read(f"sources/{name}", TEXT_LIMIT)
        if data is None:
            data = archive.read(name, TEXT_LIMIT)
    if data is None:
        log.warning(line, f"the archive holds no sources/{name}", "export the project again with its sources",
                    "refi-no-text")
        return None
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """A plain text as a tool wrote it: UTF-8 or UTF-16 by its byte order mark, else UTF-8, else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# --- where selections are -----------------------------------------------------------------

@dataclass(frozen=True)
class Offsets:
    """How a file counts positions: in code points or UTF-16 units, on the text as stored or with CRLF as one."""

    unit: str = "codepoints"
    crlf_as_one: bool = False

    def __str__(self) -> str:
        unit = "UTF-16 code units" if self.unit == "utf16" else "characters (code points)"
        return unit + (", a line break (CRLF) counted as one" if self.crlf_as_one else "")


def to_codepoints(text: str, start: int, end: int, offsets: Offsets) -> tuple[int, int] | None:
    """The span [start, end) counted as `offsets` says, as code points in `text`; None if it cannot be."""
    if offsets.crlf_as_one and "\r\n" in text:
        folded = text.replace("\r\n", "\n")
        span = to_codepoints(folded, start, end, Offsets(offsets.unit))
        if span is None:
            return None
        return _unfold_crlf(text, span[0]), _unfold_crlf(text, span[1])
    if offsets.unit == "utf16":
        start, end = _utf16_to_codepoint(text, start), _utf16_to_codepoint(text, end)
        if start is None or end is None:
            return None
    if not 0 <= start < end <= len(text):
        return None
    return start, end


def _utf16_to_codepoint(text: str, units: int) -> int | None:
    if text.isascii() or not _ASTRAL.search(text):
        return units
    count = 0
    for index, character in enumerate(text):
        if count == units:
            return index
        count += 2 if ord(character) > 0xFFFF else 1
        if count > units:
            return None  # inside a surrogate pair: not a position in UTF-16 either
    return len(text) if count == units else None


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _unfold_crlf(text: str, index: int) -> int:
    """The index in `text` of position `index` in `text` with each CRLF as one character."""
    seen = 0
    for match in re.finditer("\r\n", text):
        if match.start() - seen >= index:
            break
        seen += 1
    return index + seen


def candidates(texts: list[str]) -> list[Offsets]:
    """The ways of counting that give different spans on these texts (the first is the standard's)."""
    found = [Offsets()]
    if any(_ASTRAL.search(text) for text in texts):
        found.append(Offsets("utf16"))
    if any("\r\n" in text for text in texts):
        found += [Offsets(o.unit, True) for o in list(found)]
    return found


def choose_offsets(pairs: list[tuple[str, Selection]], unit: str = "") -> tuple[Offsets, dict[Offsets, float]]:
    """The way of counting that fits the selections best, and each candidate's score.

    A selection's span scores where it falls: on the text its name repeats (tools that name
    a selection by its text), then on word boundaries; a span that cannot be (past the end,
    inside a surrogate pair) counts against. Ties go to the standard's characters.
    """
    options = candidates(list({id(text): text for text, _ in pairs}.values()))
    if unit:  # the unit is known; whether a CRLF counts as one is still to tell
        options = [Offsets(unit)] + ([Offsets(unit, True)] if any(o.crlf_as_one for o in options) else [])
    scores = {}
    if len(options) == 1:  # one reading only: nothing to weigh
        return options[0], {options[0]: 0.0}
    for option in options:
        score = 0.0
        for text, selection in pairs:
            span = to_codepoints(text, selection.start, selection.end, option)
            if span is None:
                score -= 3
                continue
            quote = text[span[0]:span[1]]
            if selection.name and _squeezed(selection.name) and _squeezed(quote).startswith(_squeezed(selection.name)):
                score += 2
            score += _on_word_edges(text, *span)
        scores[option] = score
    best = max(options, key=lambda option: (scores[option], -options.index(option)))
    return best, scores


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()[:80]


def _on_word_edges(text: str, start: int, end: int) -> float:
    # tools trim a selection to its words: one that starts or ends on a space is off by some
    starts = not text[start].isspace() and (start == 0 or not (text[start - 1].isalnum() and text[start].isalnum()))
    ends = not text[end - 1].isspace() and (end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum()))
    return 0.5 * starts + 0.5 * ends
