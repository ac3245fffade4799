"""LaTeX in BibTeX fields, turned into the text people read.

Zotero, Better BibTeX and hand-written .bib files encode accents and symbols as LaTeX
(`M{\\"u}ller`, `Harper \\& Row`), set words in other fonts (`\\texttt{Java}`), name the TeX
family by its logos (`\\LaTeX`) and put a little mathematics in titles (`$k$-trees`). The
reading here is litcoder's own, in one pass and without recursion, so no value is too
deep or too odd to read:

- accents compose (`\\'{e}` → é) and special letters are letters (`\\ss` → ß);
- a command litcoder does not know keeps the text of its argument (`\\texttt{Java}` → Java);
  only commands that print nothing of their argument (`\\hspace{…}`, `\\label{…}`, sort keys)
  lose it;
- logos become their names (`\\BibTeX` → BibTeX), and symbols and Greek letters their
  characters, in text and in math alike;
- math keeps its text (`$k$-trees` → k-trees, `$O(n^2)$` → O(n^2));
- `~` is a no-break space (U+00A0), `--` and `---` dashes, ``` `` ``` and `''` curly quotes.

    >>> latex_to_text(r"Administration industrielle et g{\\'e}n{\\'e}rale")
    'Administration industrielle et générale'
    >>> latex_to_text(r"Harper \\& Row")
    'Harper & Row'
    >>> latex_to_text(r"Refactoring \\texttt{Java} classes with \\TeX")
    'Refactoring Java classes with TeX'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {
    "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
NBSP = "\u00a0"

# Control symbols: \& \% … print their character; \\ and the spacing ones a space; \- \/ \@ nothing.
_SYMBOLS = {"&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ", "\n": " ",
            "\t": " ", "\\": " ", ",": " ", ";": " ", ":": " ", ">": " ", "-": "", "/": "", "@": "", "!": ""}

LOGOS = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "BibLaTeX": "BibLaTeX",
    "biblatex": "biblatex", "ConTeXt": "ConTeXt", "XeTeX": "XeTeX", "XeLaTeX": "XeLaTeX", "LuaTeX": "LuaTeX",
    "LuaLaTeX": "LuaLaTeX", "pdfTeX": "pdfTeX", "pdfLaTeX": "pdfLaTeX", "eTeX": "e-TeX", "SliTeX": "SliTeX",
    "AmS": "AMS", "AMS": "AMS", "AmSTeX": "AMS-TeX", "AmSLaTeX": "AMS-LaTeX", "METAFONT": "METAFONT",
    "MF": "METAFONT", "MP": "MetaPost", "METAPOST": "MetaPost", "PiCTeX": "PiCTeX", "TikZ": "TikZ",
    "BibTeXML": "BibTeXML", "ExTeX": "ExTeX", "ConTeXT": "ConTeXt", "Omega": "Ω",
}
"""Logos and names typeset by a command: printed as the name they draw."""

_WORD_SYMBOLS = {
    # text symbols
    "ldots": "…", "dots": "…", "textellipsis": "…", "cdots": "⋯", "dag": "†", "ddag": "‡", "S": "§", "P": "¶",
    "copyright": "©", "textcopyright": "©", "textregistered": "®", "texttrademark": "™", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "textyen": "¥", "textcent": "¢", "textdegree": "°",
    "textendash": "–", "textemdash": "—", "textbullet": "•", "textperiodcentered": "·", "textquoteleft": "‘",
    "textquoteright": "’", "textquotedblleft": "“", "textquotedblright": "”", "quotedblbase": "„",
    "guillemotleft": "«", "guillemotright": "»", "guillemetleft": "«", "guillemetright": "»",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "textbar": "|", "textless": "<",
    "textgreater": ">", "textunderscore": "_", "slash": "/", "textslash": "/", "textmu": "µ", "textonehalf": "½",
    "textsection": "§", "textparagraph": "¶", "textdagger": "†", "textexclamdown": "¡", "textquestiondown": "¿",
    "th": "þ", "TH": "Þ", "dh": "ð", "DH": "Ð", "dj": "đ", "DJ": "Đ", "ng": "ŋ", "NG": "Ŋ", "textordfeminine": "ª",
    "textordmasculine": "º", "textpm": "±", "texttimes": "×", "textdiv": "÷", "textminus": "−",
    "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ", "space": " ", "newline": " ", "par": " ",
    "linebreak": " ", "break": " ", "nobreakspace": NBSP, "hyphen": "-", "nbhyphen": "-", "cprime": "ʹ",
    "cdprime": "ʺ",
    # math: Greek letters, operators and relations
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ", "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ",
    "times": "×", "cdot": "·", "pm": "±", "mp": "∓", "div": "÷", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃", "equiv": "≡", "propto": "∝", "infty": "∞",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔",
    "Leftrightarrow": "⇔", "mapsto": "↦", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖", "forall": "∀", "exists": "∃",
    "neg": "¬", "lnot": "¬", "land": "∧", "wedge": "∧", "lor": "∨", "vee": "∨", "oplus": "⊕", "otimes": "⊗",
    "partial": "∂", "nabla": "∇", "sum": "Σ", "prod": "Π", "int": "∫", "sqrt": "√", "ell": "ℓ", "emptyset": "∅",
    "varnothing": "∅", "circ": "∘", "star": "⋆", "ast": "∗", "bullet": "•", "mid": "|", "vert": "|",
    "langle": "⟨", "rangle": "⟩", "lceil": "⌈", "rceil": "⌉", "lfloor": "⌊", "rfloor": "⌋", "prime": "′",
    "hbar": "ℏ", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ", "deg": "deg", "log": "log", "ln": "ln", "exp": "exp",
    "sin": "sin", "cos": "cos", "tan": "tan", "max": "max", "min": "min", "lim": "lim", "sup": "sup", "inf": "inf",
    "det": "det", "dim": "dim", "ker": "ker", "arg": "arg", "gcd": "gcd", "Pr": "Pr", "bmod": "mod", "mod": "mod",
    "colon": ":", "lbrace": "{", "rbrace": "}", "{": "{", "}": "}", "sb": "_", "sp": "^",
}
"""Commands that print one symbol or word (text and math alike)."""

_DROPPED = {"hspace": 1, "vspace": 1, "label": 1, "index": 1, "noopsort": 1, "sortnoop": 1, "SortNoop": 1,
            "begin": 1, "end": 1, "footnote": 1, "thanks": 1, "pagenumbering": 1, "bibinfo": 1,
            "href": 1, "mathrm": 0, "setlength": 2, "addtolength": 2, "vskip": 0, "hskip": 0, "ensuremath": 0,
            # math's accents and alphabets: their argument, braced or one letter, is the text
            "overline": 0, "underline": 0, "bar": 0, "hat": 0, "widehat": 0, "tilde": 0, "widetilde": 0,
            "vec": 0, "dot": 0, "ddot": 0, "check": 0, "breve": 0, "acute": 0, "grave": 0, "mathbf": 0,
            "mathcal": 0, "mathbb": 0, "mathfrak": 0, "mathsf": 0, "mathit": 0, "mathtt": 0, "mathscr": 0,
            "boldsymbol": 0, "bm": 0, "operatorname": 0, "left": 0, "right": 0, "big": 0, "Big": 0}
"""Commands whose first n arguments print nothing (`\\href{url}{text}` prints its text only)."""

_JOINING = {"hyphen", "nbhyphen", "cprime", "cdprime", "sb", "sp"}
"""Symbols that join what is on either side: the space after the command is TeX's, not a word break."""

_VERBATIM = {"url", "nolinkurl", "path", "doi"}
"""Commands whose argument is printed as written: a URL's `~`, `%`, `--` and `_` are its own."""

# \'e  \'{e}  \' e  \c{c}  \c c  \'\i  \'{\i}; a control word such as \i eats the spaces after it.
_ACCENT = re.compile(
    r"""\\(?:(['`^"~=.])|([uvHckrdb])(?![A-Za-z]))\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])\s*|[A-Za-z]))"""
)
# \ss{} keeps the space after the braces; \ss without them eats the spaces after it.
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?:\{\}|(?![A-Za-z])\s*)")
_SORT_KEY = re.compile(r"\{?\\(?:noopsort|sortnoop|SortNoop)\{[^{}]*\}\}?")
# What the reader stops at: a control word (with the spaces after it) or a control symbol. Braces and
# dollars between them print nothing (math keeps its text), so they are simply taken out of the text.
_TOKEN = re.compile(r"\\([A-Za-z]+)\*?([ \t\n\r]*)|\\(.?)", re.DOTALL)
_UNPRINTED = str.maketrans("", "", "{}$")
_TEXT_MARKS = re.compile(r"---|--|``|''|~")
_TEXT_MARK = {"---": "—", "--": "–", "``": "“", "''": "”", "~": NBSP}
_BRACE = re.compile(r"(?<!\\)[{}]")
_SPACES = re.compile(r"[^\S\u00a0]+")


def _accent(match: re.Match) -> str:
    mark = _ACCENTS[match.group(1) or match.group(2)]
    base = (match.group(3) or match.group(4)).strip()
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + mark)


def _letters(value: str) -> str:
    """Accents composed and special letters made letters; other commands left as they are."""
    value = _ACCENT.sub(_accent, value)
    return _LETTER.sub(lambda m: _LETTERS[m.group(1)], value)


@lru_cache(maxsize=1 << 16)
def latex_to_text(value: str) -> str:
    """Readable Unicode for a BibTeX field value (braces removed, accents composed).

    Any text is read without an error. A value whose commands print nothing litcoder knows
    (a title that is only `\\mytitle`, a macro of the writer's own) is read as the commands'
    names rather than left empty.
    """
    if "\\" in value or "$" in value:
        text = _commands(_letters(_SORT_KEY.sub("", value) if "oop" in value else value))
        if not text.strip() and "\\" in value:
            text = _TOKEN.sub(lambda m: m.group(1) or "", value).translate(_UNPRINTED)  # names, not nothing
    else:
        text = _marks(value.replace("{", "").replace("}", "")) if "{" in value or "}" in value else _marks(value)
    return _tidy(text)


def _marks(text: str) -> str:
    """Ties, dashes and quotes of plain text as their characters."""
    return _TEXT_MARKS.sub(lambda m: _TEXT_MARK[m.group()], text) if ("-" in text or "~" in text or "`" in text
                                                                      or "''" in text) else text


def _commands(value: str) -> str:
    """The text of a value with commands in it: one pass over its commands, braces and dollars."""
    out: list[str] = []
    position, dollars = 0, 0  # dollars met in the text so far: an odd count is math
    while True:
        match = _TOKEN.search(value, position)
        if match is None:
            out.append(_marks(value[position:].translate(_UNPRINTED)))
            return "".join(out)
        between = value[position:match.start()]
        dollars += between.count("$")
        out.append(_marks(between.translate(_UNPRINTED)))
        position = match.end()
        word, symbol = match.group(1), match.group(3)
        if word is not None:
            if word in _VERBATIM and value[position:position + 1] == "{":
                end = _past_groups(value, position, 1)
                out.append(value[position + 1:end - 1] if value[end - 1:end] == "}" else value[position + 1:end])
                position = end
            elif word in _DROPPED:
                position = _past_groups(value, position, _DROPPED[word])
            elif word in LOGOS or word in _WORD_SYMBOLS:
                out.append(LOGOS.get(word) or _WORD_SYMBOLS[word])
                if match.group(2) and word not in _JOINING:
                    out.append(" ")  # '\TeX and' was meant as two words, though TeX would join them
            elif dollars % 2 and value[position:position + 1] != "{":
                out.append(word)  # a writer's own symbol ($\PP^4$): its name, rather than nothing
        else:
            out.append(_SYMBOLS.get(symbol, ""))


def _past_groups(value: str, position: int, groups: int) -> int:
    """Where the value goes on after the next `groups` brace groups (from position)."""
    for _ in range(groups):
        while position < len(value) and value[position] in " \t\n\r*":
            position += 1
        if position >= len(value) or value[position] != "{":
            return position
        depth = 0
        for brace in _BRACE.finditer(value, position):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                position = brace.end()
                break
        else:
            return len(value)
    return position


def _tidy(value: str) -> str:
    """White space collapsed to single spaces, no-break spaces kept."""
    return _SPACES.sub(" ", value).strip()
