"""Text from a project made safe for a terminal or a one-line message (docs/architecture.md 4).

Names, ids and keys come from files other people send. Printed raw, a control character can
retitle or recolour the terminal, or a newline forge a line of output; every string that
reaches stdout, stderr or a one-line message goes through ``one_line`` (or ``safe`` for
output that keeps its own line breaks).
"""

from __future__ import annotations

import re
import sys
import unicodedata
import warnings
from typing import Any, TextIO

# C0 and C1 controls, DEL, and the Unicode characters that reorder or hide text on screen
# (bidirectional overrides and isolates, zero-width joiners are left: emoji need them).
_HIDDEN = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_HIDDEN}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` as one printable line: every control character shown as an escape.

    ``limit`` cuts the result to that many characters with an ellipsis (long names in
    messages stay readable).
    """
    line = _UNSAFE.sub(_escape, str(text))
    # Unassigned and private-use code points print as nothing useful and may be eaten by a
    # terminal; lone surrogates cannot be written at all.
    if any(unicodedata.category(c) in ("Cs", "Cn") for c in line):
        line = "".join(
            f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cs", "Cn") else c for c in line
        )
    if limit is not None and len(line) > limit:
        line = line[: max(limit - 1, 0)] + "…"
    return line


# The same characters less C0 controls: json.dumps escapes those itself, and the newlines
# left in its output are the layout's own.
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_HIDDEN}]")


def json_safe(text: str) -> str:
    """JSON text (from ``json.dumps``) for a terminal: C1 controls and the characters that
    reorder text written as ``\\uXXXX``; they only occur inside strings, so it is the same JSON."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def safe(text: str) -> str:
    """Multi-line output of our own (tables, lists): each line made safe, line breaks kept."""
    return "\n".join(one_line(line) for line in text.split("\n"))


def escape_warnings() -> None:
    """Print library warnings on one escaped line: a chart font's "Glyph 27 (\\x1b) missing"
    quotes the user's text, control characters included."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None, **_more: Any) -> None:
        stream = file or sys.stderr
        if stream is None:  # a windowed program has no stderr
            return
        try:
            stream.write(f"aiplan: warning: {one_line(message)}\n")
        except (OSError, ValueError):
            pass  # a closed or broken stderr must not turn a warning into an error

    warnings.showwarning = show
