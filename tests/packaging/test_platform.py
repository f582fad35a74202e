"""The desktop window on Linux: one list of the system libraries Qt needs (README, CI and the
app agree on it), a real X11 window under Xvfb, and a plain sentence instead of Qt's abort
when the window cannot open."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.qt_platform import DEBIAN_PACKAGES, missing_libraries, missing_sentence

REPO = Path(__file__).resolve().parents[2]
LIST = REPO / "packaging" / "debian-packages.txt"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb platform is Linux's")


def listed_packages() -> list[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def command_words(text: str, command: str) -> list[str]:
    """The words after ``command`` in a shell block, backslash continuations joined."""
    joined = text.replace("\\\n", " ")
    match = re.search(rf"^{re.escape(command)} (.+)$", joined, re.MULTILINE)
    assert match, f"no '{command}' line"
    return match.group(1).split()


def test_readme_quotes_the_package_list() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert command_words(readme, "sudo apt install") == listed_packages()
    assert command_words(readme, "sudo dnf install")  # Fedora's line is there too


def test_ci_installs_the_package_list_and_what_the_tests_need() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    # The lines that build the array, run as CI runs them, then the array printed.
    start = script.index("mapfile -t debian_packages")
    end = script.index("missing=()")
    shown = subprocess.run(["bash", "-c", script[start:end] + 'printf "%s\\n" "${debian_packages[@]}"'],
                           cwd=REPO, capture_output=True, text=True, check=True, timeout=30).stdout
    installed = shown.split()
    assert installed[:len(listed_packages())] == listed_packages()
    assert {"xvfb", "xauth"} <= set(installed)


def test_every_library_the_app_names_maps_to_a_listed_package() -> None:
    assert set(DEBIAN_PACKAGES.values()) == set(listed_packages())


def test_a_missing_system_library_is_named_with_its_install_command() -> None:
    sentence = missing_sentence(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in sentence
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in sentence
    assert "\n" not in sentence


def _pyside_missing_one_library(root: Path) -> Path:
    """A copy of the installed PySide6 (links to every file, the platform plugins copied) from
    which Qt's xcb integration library is missing, as in a damaged install."""
    import PySide6

    real = Path(PySide6.__file__).parent
    farm = root / "PySide6"
    for folder, keep in ((real, farm), (real / "Qt", farm / "Qt"), (real / "Qt" / "lib", farm / "Qt" / "lib"),
                         (real / "Qt" / "plugins", farm / "Qt" / "plugins")):
        keep.mkdir(parents=True, exist_ok=True)
        for entry in folder.iterdir():
            if entry.name in ("Qt", "lib", "plugins", "platforms", "libQt6XcbQpa.so.6"):
                continue
            (keep / entry.name).symlink_to(entry)
    # Copied, not linked: the plugin finds its libraries relative to where it lies.
    shutil.copytree(real / "Qt" / "plugins" / "platforms", farm / "Qt" / "plugins" / "platforms")
    return root


def _env(**changes: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "QT_PLUGIN_PATH",
                          "QT_QPA_PLATFORM_PLUGIN_PATH")}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@linux_only
def test_a_library_qt_cannot_load_is_one_sentence_not_an_abort(tmp_path: Path) -> None:
    root = _pyside_missing_one_library(tmp_path)
    # No X server is needed: Qt fails while loading the plugin, before it connects.
    env = _env(PYTHONPATH=os.pathsep.join([str(root), str(REPO)]), QT_QPA_PLATFORM="xcb",
               DISPLAY=":97")
    # What a user saw before: Qt's own message, then the process aborted.
    bare = subprocess.run([sys.executable, "-c", "from PySide6.QtWidgets import QApplication; "
                           "QApplication([])"], env=env, capture_output=True, text=True, timeout=120)
    assert bare.returncode != 0
    assert "could not load the qt platform plugin" in bare.stderr.lower()

    result = subprocess.run([sys.executable, "-m", "app"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("aiplan: The window cannot open because Qt needs libQt6XcbQpa.so.6")
    assert "reinstall" in result.stderr
    assert "platform plugin" not in result.stderr.lower()
    assert missing_libraries(root / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so") \
        == ["libQt6XcbQpa.so.6"]


@linux_only
def test_no_display_is_one_sentence_not_an_abort() -> None:
    result = subprocess.run([sys.executable, "-m", "app"], cwd=REPO,
                            env=_env(DISPLAY=None), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("aiplan: There is no display to open the window on")


@linux_only
@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="xvfb-run is not installed (.ci/run installs it)")
def test_self_test_opens_a_real_x11_window() -> None:
    result = subprocess.run(["xvfb-run", "-a", sys.executable, "-m", "app", "--self-test"],
                            cwd=REPO, env=_env(QT_QPA_PLATFORM="xcb"), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["platform"] == "xcb"
    assert report["results"] is True
