"""Where the app keeps its working copies and finds its bundled resources."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "ai-product-planner"


def data_dir() -> Path:
    """The per-user data folder; ``AIPLAN_DATA_DIR`` overrides it (portable use, tests)."""
    override = os.environ.get("AIPLAN_DATA_DIR")
    base = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    base.mkdir(parents=True, exist_ok=True)
    return base


def working_dir() -> Path:
    """Local working copies of open projects: every edit commits here at once."""
    path = data_dir() / "working"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    """Copies of files taken before a migration changed their working copy."""
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the packages in a checkout, inside ``app`` when built."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = [Path(frozen) / "resources"] if frozen else []
    here = Path(__file__).resolve().parent
    candidates += [here / "resources", here.parent / "resources"]
    for candidate in candidates:
        if (candidate / "schema").is_dir():
            return candidate
    raise FileNotFoundError("the app's resources folder is missing; reinstall the app")


def schema_path() -> Path:
    return resources_dir() / "schema" / "project.schema.json"


def sample_path() -> Path:
    return resources_dir() / "samples" / "sample.json"


def icon_path() -> Path:
    """The app's scalable icon (the window's, and the desktop entry's)."""
    return resources_dir() / "icons" / "aiplan.svg"
