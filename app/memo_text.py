"""The memo's light formatting (paragraphs, "- " bullets, **bold**, *italic*), for every output.

The app's preview (HTML) and the PDF memo (reportlab markup) read the PM's text the same way.
"""

from __future__ import annotations

import html
import re

_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")

Block = tuple[str, list[str]]  # ("p", the lines of one paragraph) or ("ul", the bullets)


def blocks(text: str) -> list[Block]:
    """Blank lines split paragraphs; "- " lines are bullets; an indented line continues a bullet."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    out: list[Block] = []
    for block in re.split(r"\n[ \t]*\n", text) if text else []:
        runs: list[Block] = []
        for line in block.split("\n"):
            bullet = _BULLET.match(line)
            if bullet:
                if not runs or runs[-1][0] != "ul":
                    runs.append(("ul", []))
                runs[-1][1].append(bullet.group(1).strip())
            elif runs and runs[-1][0] == "ul" and line[:1] in (" ", "\t"):
                runs[-1][1][-1] += " " + line.strip()
            elif line.strip():
                if not runs or runs[-1][0] != "p":
                    runs.append(("p", []))
                runs[-1][1].append(line.strip())
        out.extend(runs)
    return out


def inline_markup(text: str, quote: bool = False) -> str:
    """One line, escaped first (user text is never markup), then **bold** and *italic* as <b>, <i>.

    Valid both as HTML and as reportlab Paragraph markup; ``quote`` also escapes quote marks.
    """
    return _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=quote)))
