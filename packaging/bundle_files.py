"""The repository files the frozen app carries, and where they go inside it (spec and tests read this)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# (pattern relative to the repository, folder inside the bundle). Patterns are globs so a new
# migration or sample is carried without editing this list; each must match at least one file.
# models/migrate.py finds its scripts beside its own __file__, which frozen is
# <bundle>/models/migrate.pyc: so the Alembic scripts go to models/migrations as plain .py files
# (Alembic loads env.py and each revision from source files, not from the archive).
# app/paths.py looks for resources in <bundle>/resources.
DATA_PATTERNS: tuple[tuple[str, str], ...] = (
    ("models/migrations/env.py", "models/migrations"),
    ("models/migrations/script.py.mako", "models/migrations"),
    ("models/migrations/versions/*.py", "models/migrations/versions"),
    ("resources/samples/*.json", "resources/samples"),
    ("resources/schema/*.json", "resources/schema"),
    ("resources/icons/*.svg", "resources/icons"),
)

# What a user of the bundle would miss most: checked to be among the matches.
REQUIRED: tuple[str, ...] = (
    "models/migrations/env.py",
    "resources/samples/sample.json",
    "resources/schema/project.schema.json",
    "resources/icons/aiplan.svg",
)

# The app's icon; installers need it in their platform's format (made at build time).
ICON_SVG = "resources/icons/aiplan.svg"


def matches(pattern: str) -> list[Path]:
    return sorted(path for path in REPO.glob(pattern) if path.is_file())


def datas() -> list[tuple[str, str]]:
    """PyInstaller's ``datas``: one (absolute source file, bundle folder) per file."""
    return [(str(path), folder) for pattern, folder in DATA_PATTERNS for path in matches(pattern)]
