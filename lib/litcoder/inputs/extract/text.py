"""`.md` and `.txt` files in whatever encoding wrote them → their text, decoded."""

from __future__ import annotations

import codecs
import re

from ...problems import ProblemLog

BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", None),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
]

_NAMES = {  # by Python's own name for each codec (codecs.lookup(...).name)
    "cp1252": "Windows-1252", "iso8859-1": "Latin-1 (ISO-8859-1)", "iso8859-15": "Latin-9 (ISO-8859-15)",
    "mac-roman": "Mac Roman", "cp1250": "Windows-1250", "cp1251": "Windows-1251", "iso8859-2": "Latin-2 (ISO-8859-2)",
    "utf-16": "UTF-16", "utf-16-le": "UTF-16 (little-endian, no byte-order mark)",
    "utf-16-be": "UTF-16 (big-endian, no byte-order mark)", "utf-32": "UTF-32", "utf-32-le": "UTF-32",
    "utf-32-be": "UTF-32", "cp437": "DOS (code page 437)", "cp850": "DOS (code page 850)", "koi8-r": "KOI8-R",
    "shift_jis": "Shift JIS", "gb18030": "GB18030", "big5": "Big5", "euc_kr": "EUC-KR",
}

# Languages in which a Central European code page (cp1250, ISO-8859-2) is the likely one;
# for all others, when Windows-1252 reads the bytes just as well, it is the likelier.
_CENTRAL = {"Czech", "Slovak", "Polish", "Hungarian", "Croatian", "Slovene", "Romanian", "Serbian", "Bosnian"}


def _cp1252_for_bad_bytes(err: UnicodeDecodeError):
    bad = err.object[err.start:err.end]
    try:
        return bad.decode("cp1252"), err.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), err.end


codecs.register_error("litcoder-cp1252", _cp1252_for_bad_bytes)


def decode_text(data: bytes) -> tuple[str, str | None, int | None, int]:
    """(text, the encoding's name when it is not UTF-8, the line of the first byte that is
    not UTF-8, how many bytes were not UTF-8 in a mostly UTF-8 file: then the name is None)."""
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label, None, 0
            except UnicodeDecodeError:
                break  # a stray BOM-like start: detect below
    try:
        return data.decode("utf-8"), None, None, 0
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
    # Notes pasted together from several programs: mostly UTF-8, with a few Windows bytes.
    # (Bytes of a legacy encoding form a valid UTF-8 sequence now and then, e.g. Mac Roman
    # "’é": only Latin letters and typographic marks count as signs of real UTF-8.)
    loose = data.decode("utf-8", errors="replace")
    if any(0xA0 <= ord(c) <= 0x17F or 0x2000 <= ord(c) != 0xFFFD for c in loose) and data.count(0) == 0:
        bad = loose.count("\ufffd")
        return data.decode("utf-8", errors="litcoder-cp1252"), None, line, bad
    codec = _detect(data)
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        codec = "cp1252"
        text = data.decode("cp1252", errors="litcoder-cp1252")
    return text, _NAMES.get(codec, codec), (None if codec.startswith("utf") else line), 0


def _detect(data: bytes) -> str:
    """The likeliest encoding of bytes that are not UTF-8, as a Python codec name."""
    from charset_normalizer import from_bytes

    sample = data if len(data) <= 200_000 else data[:200_000]
    results = list(from_bytes(sample))
    if not results:
        return "cp1252"
    best = results[0]
    codec = codecs.lookup(best.encoding).name
    if codec.startswith("utf"):
        return codec
    if best.language in _CENTRAL:
        return codec
    # Western text. charset-normalizer ranks code pages that read these bytes the same way
    # (Windows-1250 and -1252, Mac Icelandic and Mac Roman) in an arbitrary order, and a
    # DOS code page now and then above them: take the commonest Western one that fits.
    low = min(m.chaos for m in results)
    groups = [best] + [m for m in results if m.chaos <= low + 0.02]
    for match in groups:
        fits = {_codec_name(name) for name in [match.encoding, *match.could_be_from_charset]}
        for western in ("cp1252", "mac-roman", "iso8859-1", "iso8859-15"):
            if western in fits:
                return western
    return codec


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _decode_report(log: ProblemLog, encoding: str | None, line: int | None, bad: int) -> None:
    if bad:
        log.warning(line, f"mostly UTF-8, but {bad} byte(s) are not (the first on this line); "
                          "read those as Windows-1252; save it as UTF-8",
                    "check the accented characters there, then save the file as UTF-8", "encoding")
    elif encoding is not None:
        log.warning(line, f"not UTF-8: read as {encoding}; save it as UTF-8",
                    "check the accented characters, then save the file as UTF-8", "encoding")


# ---------------------------------------------------------------- .txt, .md


def looks_binary(text: str, data: bytes, log: ProblemLog) -> bool:
    """Whether the file is not text at all (an old .doc, an image, …), reporting it."""
    control = len(_CONTROL.findall(text[:100_000]))
    if control <= max(8, 0.01 * min(len(text), 100_000)):
        return False
    what = "an old Word .doc or other Office file" if data[:4] == b"\xd0\xcf\x11\xe0" else "binary"
    log.error(None, f"not a text file: it is {what}, so it cannot be read as text",
              "open it in the program that made it and save it as .docx, .pdf or .md", "source-format")
    return True


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")


def text_file(data: bytes, log: ProblemLog) -> str:
    text, encoding, line, bad = decode_text(data)
    if looks_binary(text, data, log):
        return ""
    _decode_report(log, encoding, line, bad)
    # Classic Mac OS ended lines with CR alone; as LF, blank lines separate passages. One
    # character for one, so offsets into the text stay where they were.
    return re.sub(r"\r(?!\n)", "\n", text)
