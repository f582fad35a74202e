"""The environment the tests run in is exactly the one pyproject.toml pins, package by package."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    """Package -> pinned version, for the pins whose marker holds on this machine."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for line in config["tool"]["uv"]["constraint-dependencies"]:
        requirement = Requirement(line)
        (spec,) = requirement.specifier  # exactly one ==, checked below
        assert spec.operator == "==", line
        if requirement.marker is None or requirement.marker.evaluate():
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def test_every_installed_package_is_pinned_at_its_installed_version() -> None:
    pins = _pins()
    project = canonicalize_name(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"])
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    installed.pop(project, None)
    unpinned = sorted(name for name in installed if name not in pins)
    moved = sorted(f"{name} {installed[name]} (pinned {pins[name]})"
                   for name in installed if name in pins and installed[name] != pins[name])
    assert not unpinned and not moved, (
        f"not pinned: {unpinned}; installed at another version: {moved}. "
        "Run `bash packaging/pin-versions.sh` and the tests.")


def test_every_dependency_and_group_member_has_a_pin() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = {canonicalize_name(Requirement(line).name)
              for line in config["tool"]["uv"]["constraint-dependencies"]}
    wanted = list(config["project"]["dependencies"])
    for group in config["dependency-groups"].values():
        wanted.extend(entry for entry in group if isinstance(entry, str))
    missing = sorted({canonicalize_name(Requirement(line).name) for line in wanted} - pinned)
    assert not missing, f"no pin for {missing}: run `bash packaging/pin-versions.sh`"
