"""Fonts for every script: found on the system, with a fallback chain."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

#: The base font: DejaVu Sans ships with matplotlib, so every machine has it (Latin, Greek,
#: Cyrillic, Hebrew, Arabic). The chain adds what it lacks.
BASE_FAMILY = "DejaVu Sans"
BASE_PDF = "DejaVuSans"
BASE_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

#: Families tried after DejaVu Sans, best first: CJK, Arabic, then symbols and emoji. Only
#: outline fonts: colour bitmap emoji (Noto Color Emoji) draw in neither reportlab nor matplotlib.
#: reportlab embeds TrueType outlines only, so a CFF font (Noto Sans CJK) serves the charts alone.
FALLBACK_FAMILIES = (
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC",
    "Droid Sans Fallback", "AR PL UKai CN", "AR PL UMing CN", "Microsoft YaHei", "Malgun Gothic",
    "Meiryo", "MS Gothic", "SimSun", "Arial Unicode MS",
    "Noto Sans Arabic", "Noto Naskh Arabic", "Amiri", "Arial",
    "Noto Emoji", "Symbola", "Noto Sans Symbols2", "Noto Sans Symbols", "Segoe UI Symbol",
)

#: How many characters outside the chain may each cost one fontconfig query in a process.
MAX_QUERIES = 64

_GLYPH_WARNING = re.compile(r"^Glyph (\d+) \(.*\) missing from font")
#: Arabic letters (not their presentation forms, so text shaped once is left alone after).
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
_ARABIC_RUN = re.compile(f"[{_ARABIC}](?:[{_ARABIC} ]*[{_ARABIC}])?")
_MARKUP = re.compile(r"(<[^>]*>|&[#\w]+;)")


@dataclass(frozen=True)
class Face:
    """One font on the system: a file, the face within it, its family, whether it is TrueType."""

    path: str
    index: int
    family: str
    truetype: bool

    @property
    def pdf_name(self) -> str:
        """The name the face is registered under in reportlab."""
        return re.sub(r"[^A-Za-z0-9]", "", self.family) + (f"-{self.index}" if self.index else "")


BASE = Face(str(BASE_DIR / "DejaVuSans.ttf"), 0, BASE_FAMILY, True)


def _fc_list(pattern: str = ":") -> list[Face]:
    """Outline fonts fontconfig knows (matching ``pattern``), colour fonts left out; none without it."""
    fc = shutil.which("fc-list")
    if fc is None:
        return []
    try:
        out = subprocess.run([fc, "--format", "%{file}\t%{index}\t%{family[0]}\t%{fontformat}\t%{color}\n",
                              pattern], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or parts[4] in ("True", "1") or parts[3] not in ("TrueType", "CFF"):
            continue
        faces.append(Face(parts[0], int(parts[1] or 0), parts[2], parts[3] == "TrueType"))
    return faces


@functools.cache
def _installed() -> dict[str, list[Face]]:
    """Every outline face on the system by family: fontconfig where there is one (Linux, and
    macOS or Windows when installed), else the fonts matplotlib finds in the system folders."""
    faces = _fc_list()
    if not faces:
        from matplotlib import font_manager

        faces = [Face(f.fname, 0, f.name, f.fname.lower().endswith((".ttf", ".ttc")))
                 for f in font_manager.fontManager.ttflist if f.style == "normal"]
    by_family: dict[str, list[Face]] = {}
    for face in faces:
        by_family.setdefault(face.family, []).append(face)
    # The regular face of a family first (the lowest index in its file), so a chain never picks Bold.
    for family in by_family.values():
        family.sort(key=lambda f: (f.index, len(f.path)))
    return by_family


@functools.cache
def chain(pdf: bool) -> tuple[Face, ...]:
    """The fallback chain: DejaVu Sans, then each installed family of ``FALLBACK_FAMILIES``
    (TrueType ones only for the PDF writers)."""
    installed = _installed()
    faces = [BASE]
    for family in FALLBACK_FAMILIES:
        found = [f for f in installed.get(family, []) if f.truetype or not pdf]
        if found:
            faces.append(found[0])
    return tuple(faces)


@functools.cache
def coverage(face: Face) -> frozenset[int]:
    """The code points a face has glyphs for (its cmap, read once per process)."""
    from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]

    try:
        with TTFont(face.path, fontNumber=face.index, lazy=True) as font:
            return frozenset(font["cmap"].getBestCmap() or {})
    except (OSError, TTLibError, KeyError, AssertionError):
        return frozenset()


@functools.cache
def _base_coverage() -> frozenset[int]:
    # Regular and bold: bold text takes a fallback font rather than a box.
    return coverage(BASE) & coverage(Face(str(BASE_DIR / "DejaVuSans-Bold.ttf"), 0, BASE_FAMILY, True))


_queries = 0


@functools.cache
def face_for(char: str, pdf: bool = True) -> Face | None:
    """The first face in the chain that has ``char``; else one fontconfig finds; None when none does."""
    global _queries
    code = ord(char)
    if code in _base_coverage():
        return BASE
    for face in chain(pdf)[1:]:
        if code in coverage(face):
            return face
    if _queries >= MAX_QUERIES:
        return None
    _queries += 1
    for face in _fc_list(f":charset={code:x}"):
        if (face.truetype or not pdf) and code in coverage(face):
            return face
    return None


def _ignorable(char: str) -> bool:
    """Variation selectors, joiners, direction marks: drawn as nothing, never worth a box."""
    return unicodedata.category(char) in ("Mn", "Cf") or 0xFE00 <= ord(char) <= 0xFE0F


# --- what no font has, counted per export ------------------------------------------------------------

_missing: dict[str, None] | None = None


def _note_missing(char: str) -> None:
    if _missing is not None:
        _missing[char] = None


def missing(texts: Iterator[str] | list[str], pdf: bool = True) -> list[str]:
    """The characters of ``texts`` that no font on this system has, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for text in texts:
        for char in text:
            if char in seen or char in "\n\r\t" or _ignorable(char):
                continue
            if face_for(char, pdf) is None:
                seen[char] = None
    return list(seen)


def missing_sentence(chars: list[str]) -> str:
    """One line for an export: how many characters print as boxes, and which (the first ten)."""
    shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars[:10]) + (" …" if len(chars) > 10 else "")
    many = len(chars) != 1
    return (f"{len(chars)} character{'s' if many else ''} ha{'ve' if many else 's'} no font on this system "
            f"and print{'' if many else 's'} as boxes: {shown}")


@contextmanager
def counting_missing() -> Iterator[list[str]]:
    """Collect, for one export, the characters no font has (the PDF writers' and the charts'
    "Glyph … missing" warnings) instead of a line for each; other warnings pass on unchanged.

    Yields a list that holds the characters when the block ends.
    """
    global _missing
    found: list[str] = []
    outer, _missing = _missing, {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
    finally:
        chars, _missing = _missing or {}, outer
    others = []
    for w in caught:
        match = _GLYPH_WARNING.match(str(w.message))
        if match:
            char = chr(int(match.group(1)))
            if not _ignorable(char):
                chars[char] = None
        else:
            others.append(w)
    found += list(chars)
    if outer is not None:
        outer.update(chars)
    for w in dict((str(w.message), w) for w in others).values():
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


# --- reportlab: runs of text in the font that has them ----------------------------------------------

def shape(text: str) -> str:
    """Arabic letters joined (presentation forms) and each Arabic run put in drawing order, for
    writers that neither shape nor reorder (reportlab; matplotlib without libraqm). Text shaped
    once is unchanged by a second call."""
    if not _ARABIC_RUN.search(text):
        return text
    import arabic_reshaper  # type: ignore[import-untyped]
    from bidi import get_display  # type: ignore[import-untyped]

    return _ARABIC_RUN.sub(lambda m: get_display(arabic_reshaper.reshape(m.group())), text)


_ASTRAL = re.compile(r"> <([0-9A-F]{5,6})>$", re.M)


def _to_unicode_cmap(make: Any) -> Any:
    """reportlab's ToUnicode map writes a code point above U+FFFF (an emoji) as five hex digits,
    which PDF readers reject, so the character is lost from the text layer; the map wants UTF-16."""

    def fixed(fontname: str, subset: list[int]) -> str:
        return _ASTRAL.sub(lambda m: f"> <{chr(int(m.group(1), 16)).encode('utf-16-be').hex().upper()}>",
                           make(fontname, subset))

    fixed.fixed = True  # type: ignore[attr-defined]
    return fixed


def register_pdf(face: Face) -> str:
    """Register ``face`` with reportlab (once) and return its name; bold and italic map to it."""
    from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics, ttfonts  # type: ignore[import-untyped]

    if not getattr(ttfonts.makeToUnicodeCMap, "fixed", False):
        ttfonts.makeToUnicodeCMap = _to_unicode_cmap(ttfonts.makeToUnicodeCMap)
    name = face.pdf_name if face != BASE else BASE_PDF
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(ttfonts.TTFont(name, face.path, subfontIndex=face.index))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(name, bold, italic, name)
    return name


def runs(text: str) -> list[tuple[Face | None, str]]:
    """``text`` (shaped) cut into runs by the face that has each character: None for the base
    font and for characters no font has (noted for the export's warning)."""
    out: list[tuple[Face | None, str]] = []
    for char in shape(text):
        face = face_for(char)
        if face is None and not (char in "\n\r\t" or _ignorable(char)):
            _note_missing(char)
        face = None if face is BASE or face is None else face
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + char)
        else:
            out.append((face, char))
    return out


def _plain(text: str) -> bool:
    """True when the base font draws all of ``text`` as it is (most text: the fast path)."""
    if text.isascii():
        return True
    return _base_coverage().issuperset(map(ord, text)) and not _ARABIC_RUN.search(text)


def pdf_markup(markup: Any) -> Any:
    """reportlab Paragraph markup with each run the base font lacks wrapped in ``<font name=…>``
    naming a font that has it, and Arabic shaped. Tags and entities pass through."""
    if not isinstance(markup, str) or _plain(markup):
        return markup
    out = []
    for part in _MARKUP.split(markup):
        if not part or part[0] in "<&":
            out.append(part)
            continue
        for face, run in runs(part):
            out.append(run if face is None else f'<font name="{register_pdf(face)}">{run}</font>')
    return "".join(out)


def string_width(text: str, font: str, size: float) -> float:
    """The width of ``text`` drawn in ``font`` with the chain's fallbacks, in points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]

    if _plain(text):
        return float(stringWidth(text, font, size))
    return float(sum(stringWidth(run, font if face is None else register_pdf(face), size)
                     for face, run in runs(text)))


def draw_string(canvas: Any, x: float, y: float, text: str, font: str, size: float) -> None:
    """``canvas.drawString`` with the chain's fallbacks (one text object, a font per run)."""
    if _plain(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        return
    obj = canvas.beginText(x, y)
    for face, run in runs(text):
        obj.setFont(font if face is None else register_pdf(face), size)
        obj.textOut(run)
    canvas.drawText(obj)


# --- matplotlib -----------------------------------------------------------------------------------

class _FallbackWeights(logging.Filter):
    """Drops matplotlib's note that a fallback font has no face of the weight asked for: a bold
    chart title falls back to a regular CJK face, as the PDF's bold runs do."""

    def __init__(self, families: list[str]) -> None:
        super().__init__()
        self.families = set(families)

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return not (str(record.msg).startswith("findfont: Failed to find font weight")
                    and len(args) > 1 and str(args[1]) in self.families)


@functools.cache
def matplotlib_families() -> list[str]:
    """The chain as a matplotlib family list (per-glyph fallback, matplotlib 3.6+). Each font is
    added to matplotlib's font list, whose cache may predate fonts installed since."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    families = [BASE_FAMILY]
    for face in chain(pdf=False)[1:]:
        if face.family not in known and face.index == 0:
            try:
                font_manager.fontManager.addfont(face.path)
            except (OSError, RuntimeError, ValueError):
                continue
            known = {f.name for f in font_manager.fontManager.ttflist}
        if face.family in known:
            families.append(face.family)
    logging.getLogger("matplotlib.font_manager").addFilter(_FallbackWeights(families[1:]))
    return families


@functools.cache
def _matplotlib_shapes() -> bool:
    """matplotlib with libraqm (3.11+) joins Arabic and orders right-to-left text itself."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", None))


def for_matplotlib(text: str) -> str:
    """Text as matplotlib should be given it: Arabic shaped here unless matplotlib shapes it.

    matplotlib's shaper takes a line's direction from its first letter, so "مساعد: pays back"
    would read from the right; a left-to-right mark keeps each line left to right, as in the PDF.
    """
    if not _matplotlib_shapes():
        return shape(text)
    if not _ARABIC_RUN.search(text):
        return text
    return "\n".join("\u200e" + line if _starts_right_to_left(line) else line for line in text.split("\n"))


# --- PowerPoint -----------------------------------------------------------------------------------

def script_fonts(text: str) -> tuple[str | None, str | None]:
    """The East Asian and complex-script families for a run of ``text`` (None when it has none of
    those characters), so PowerPoint picks a font that has them."""
    east_asian = complex_script = None
    for char in text:
        code = ord(char)
        if east_asian is None and (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF
                                   or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
                                   or 0x20000 <= code <= 0x3FFFF):
            face = face_for(char, pdf=False)
            east_asian = face.family if face is not None else "Microsoft YaHei"
        elif complex_script is None and _ARABIC_RUN.match(char):
            face = face_for(char, pdf=False)
            complex_script = face.family if face is not None else BASE_FAMILY
    return east_asian, complex_script


def _starts_right_to_left(text: str) -> bool:
    """True when the first letter with a direction is a right-to-left one (Arabic, Hebrew)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def right_to_left(text: str) -> bool:
    """True for a paragraph written mostly right to left: more Arabic or Hebrew letters than
    left-to-right ones (an English sentence naming an Arabic opportunity stays left to right)."""
    kinds = [unicodedata.bidirectional(char) for char in text]
    return sum(k in ("R", "AL") for k in kinds) > kinds.count("L")
