"""Whether Qt can open a window on this Linux system, asked before Qt tries: Qt aborts the
process with a message about platform plugins when it cannot, and a user learns nothing."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

#: Each shared library Qt's xcb platform and the Qt libraries it loads link against, with the
#: Debian/Ubuntu package that holds it (packaging/debian-packages.txt lists the same packages).
DEBIAN_PACKAGES = {
    "libdbus-1.so.3": "libdbus-1-3",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libGL.so.1": "libgl1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)
_DLOPEN_MISSING = re.compile(r"(\S+\.so[.\d]*): cannot open shared object file")


def xcb_plugin() -> Path:
    """Qt's xcb platform plugin, in the platforms folder of Qt's plugins."""
    from PySide6.QtCore import QLibraryInfo

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / "libqxcb.so"


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries ``plugin`` needs that cannot be found here (empty when it loads,
    or when it fails for another reason: Qt then says why itself).

    Loading the plugin is the test Qt itself makes; it names only the first missing library,
    so ldd (part of every glibc system) is asked for all of them."""
    # Imported here, not at the top: the check runs before every window and usually stops at
    # the platform's name, so these modules would only lengthen start-up.
    import ctypes
    import shutil
    import subprocess

    try:
        ctypes.CDLL(str(plugin))
        return []
    except OSError as exc:
        first = _DLOPEN_MISSING.findall(str(exc))
    if not first:
        return []
    ldd = shutil.which("ldd")
    if ldd is not None:
        try:
            listed = subprocess.run([ldd, str(plugin)], capture_output=True, text=True,
                                    timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        names = list(dict.fromkeys(_NOT_FOUND.findall(listed)))
        if names:
            return names
    return first


def platform_problem(environ: Mapping[str, str] | None = None) -> str | None:
    """A sentence saying why no window can open on the xcb platform and what to do, or None
    when nothing stops it (or another platform is used: Qt reports those itself)."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0]
    if platform not in ("", "xcb") or (not platform and environ.get("WAYLAND_DISPLAY")):
        return None  # an explicit other platform, or a Wayland session Qt may choose
    if not environ.get("DISPLAY"):
        return ("There is no display to open the window on (DISPLAY is not set): start aiplan "
                "in a desktop session, or use its commands, which need none (aiplan --help).")
    if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") or environ.get("QT_PLUGIN_PATH"):
        return None  # Qt also looks in those folders: it may find a plugin that loads there
    plugin = xcb_plugin()
    if not plugin.is_file():
        return None  # Qt lists the platforms it has; nothing to add
    missing = missing_libraries(plugin)
    if not missing:
        return None
    return missing_sentence(missing)


def missing_sentence(missing: list[str]) -> str:
    """One sentence naming the libraries ``missing`` and how to install them."""
    packages = list(dict.fromkeys(DEBIAN_PACKAGES[name] for name in missing
                                  if name in DEBIAN_PACKAGES))
    ours = [name for name in missing if name not in DEBIAN_PACKAGES]
    todo = []
    if packages:
        todo.append(f"on Debian or Ubuntu run `sudo apt install {' '.join(packages)}` (README.md "
                    "lists every library the app needs, with Fedora's names)")
    if ours:
        todo.append(f"{', '.join(ours)} {'comes' if len(ours) == 1 else 'come'} with the app, so "
                    "reinstall the app (from source: uv sync --reinstall)")
    return (f"The window cannot open because Qt needs {', '.join(missing)}, which this system "
            f"cannot load: {'; '.join(todo)}.")
