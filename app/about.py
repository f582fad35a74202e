"""What the About box says: the version, the price catalog's date and the bundled libraries' licences."""

from __future__ import annotations

import importlib.metadata as metadata
import re
from dataclasses import dataclass

from app._version import __version__

DISTRIBUTION = "ai-product-planner"

#: Licences of what the app ships that is not a Python distribution, or when a frozen build
#: carries no package metadata: the direct dependencies and the fonts.
KNOWN_LICENCES = {
    "PySide6-Essentials": "LGPL-3.0-only (Qt for Python)",
    "SQLAlchemy": "MIT",
    "alembic": "MIT",
    "numpy": "BSD-3-Clause",
    "matplotlib": "Python Software Foundation License (matplotlib)",
    "openpyxl": "MIT",
    "reportlab": "BSD",
    "python-pptx": "MIT",
    "genai-prices": "MIT",
    "jsonschema": "MIT",
    "fastjsonschema": "BSD-3-Clause",
    "platformdirs": "MIT",
    "arabic-reshaper": "MIT",
    "python-bidi": "LGPL-3.0",
}
FONTS = ("DejaVu fonts (bundled with matplotlib)", "Bitstream Vera / DejaVu licence (free)")


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    licence: str


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::") and not c.endswith("OSI Approved")]
    if classifiers:
        return "; ".join(classifiers)
    text = (meta.get("License") or "").strip().splitlines()
    return text[0][:60] if text else "see the package"


def _requirement_name(requirement: str) -> str | None:
    if "extra ==" in requirement:  # optional extras are not shipped
        return None
    return re.split(r"[ ;<>=!~\[(]", requirement.strip(), maxsplit=1)[0]


def bundled_libraries() -> list[Library]:
    """Every library the app runs on, found by walking the installed packages' requirements.

    A frozen build may carry no package metadata: then the direct dependencies are listed
    from KNOWN_LICENCES.
    """
    found: dict[str, Library] = {}
    pending = [DISTRIBUTION]
    while pending:
        name = pending.pop()
        if _key(name) in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[_key(name)] = Library(dist.metadata["Name"], dist.version, _licence(dist))
        pending += [n for n in map(_requirement_name, dist.requires or []) if n]
    found.pop(DISTRIBUTION, None)
    if not found:
        found = {_key(n): Library(n, _version_of(n), lic) for n, lic in KNOWN_LICENCES.items()}
    return sorted(found.values(), key=lambda lib: lib.name.lower())


def _version_of(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def about_html() -> str:
    """The About box's text (rich text; every piece is ours or package metadata, escaped)."""
    from html import escape

    from models.catalog import catalog_date

    rows = "".join(
        f"<tr><td>{escape(lib.name)}</td><td>{escape(lib.version)}</td><td>{escape(lib.licence)}</td></tr>"
        for lib in bundled_libraries())
    rows += f"<tr><td>{escape(FONTS[0])}</td><td></td><td>{escape(FONTS[1])}</td></tr>"
    return (
        f"<h3>AI Product Planner {escape(__version__)}</h3>"
        "<p>Plan AI products: which to build, how to get them, what each costs per task, "
        "and how to argue for it.</p>"
        f"<p>Model prices: the bundled price catalog of {escape(catalog_date())} (from the "
        "genai-prices data; used offline).</p>"
        "<p>Released under the MIT licence. It is built on these libraries:</p>"
        f"<table cellspacing='0' cellpadding='2'><tr><th align='left'>Library</th>"
        f"<th align='left'>Version</th><th align='left'>Licence</th></tr>{rows}</table>"
    )
