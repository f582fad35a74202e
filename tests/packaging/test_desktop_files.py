"""Linux desktop integration (packaging/linux) and the app icon: valid, consistent, installable."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app._version import __version__
from models.schema import APPLICATION_ID

REPO = Path(__file__).resolve().parents[2]
LINUX = REPO / "packaging" / "linux"
APP_ID = "io.github.aiplanner.AIProductPlanner"
MIME_TYPE = "application/x-aiplan-project"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
MIME_XML = LINUX / "aiplan-mime.xml"
INSTALL = LINUX / "install.sh"
ICON = REPO / "resources" / "icons" / "aiplan.svg"
SMI = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian: see .ci/run)")
    return path


def test_the_desktop_file_is_valid() -> None:
    done = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_appstream_metadata_is_valid() -> None:
    done = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_desktop_file_metainfo_mime_type_and_spec_agree_on_names() -> None:
    entry = _desktop_entry()
    assert entry["Name"] == "AI Product Planner"
    assert entry["Exec"] == "aiplan %f"
    assert entry["Icon"] == APP_ID
    assert entry["MimeType"].rstrip(";").split(";") == [MIME_TYPE]
    assert {"Office", "ProjectManagement"} <= set(entry["Categories"].rstrip(";").split(";"))

    component = ET.parse(METAINFO).getroot()
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP.name
    assert component.findtext("provides/binary") == "aiplan"
    assert component.findtext("provides/mediatype") == MIME_TYPE
    # Software centres show the newest release: it must be the version the app reports.
    assert component.find("releases/release").get("version") == __version__  # type: ignore[union-attr]

    spec = (REPO / "packaging" / "aiplan.spec").read_text(encoding="utf-8")
    assert f'APP_ID = "{APP_ID}"' in spec and MIME_TYPE in spec

    # The running app names itself as the entry does, so the task bar matches window and entry.
    from app import gui

    assert gui.APP_ID == APP_ID and gui.APPLICATION_NAME == entry["Name"]


def test_the_mime_type_knows_project_files_by_name_and_by_content() -> None:
    info = ET.parse(MIME_XML).getroot()
    (mime_type,) = info.findall(f"{SMI}mime-type")
    assert mime_type.get("type") == MIME_TYPE
    assert [glob.get("pattern") for glob in mime_type.findall(f"{SMI}glob")] == ["*.aiplan"]
    sqlite = mime_type.find(f"{SMI}magic/{SMI}match")
    assert sqlite is not None and sqlite.get("offset") == "0"
    assert sqlite.get("value") == "SQLite format 3\\000"
    app_id = sqlite.find(f"{SMI}match")
    assert app_id is not None and app_id.get("type") == "big32" and app_id.get("offset") == "68"
    assert int(app_id.get("value", ""), 16) == APPLICATION_ID


def _fake_bundle(folder: Path) -> Path:
    """A stand-in for dist/aiplan: a program that answers like the real one."""
    folder.mkdir()
    program = folder / "aiplan"
    program.write_text(f"#!/bin/sh\necho 'aiplan {__version__}'\n", encoding="utf-8")
    program.chmod(0o755)
    (folder / "_internal").mkdir()
    return folder


def _mime_of(path: Path, env: dict[str, str]) -> str:
    # A process of its own: QMimeDatabase reads the shared-mime-info folders once.
    code = ("import sys; from PySide6.QtCore import QMimeDatabase; "
            "print(QMimeDatabase().mimeTypeForFile(sys.argv[1]).name())")
    done = subprocess.run([sys.executable, "-c", code, str(path)], env=env, capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(sys.platform != "linux", reason="the installer is for Linux desktops")
def test_install_registers_menu_entry_icon_and_file_type_then_uninstall_removes_them(
        tmp_path: Path, sample_file: Path) -> None:
    home = tmp_path / "home"
    prefix = home / ".local"
    env = {**os.environ, "HOME": str(home), "PREFIX": str(prefix),
           "XDG_DATA_HOME": str(prefix / "share"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(["bash", str(INSTALL), str(_fake_bundle(tmp_path / "aiplan"))], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    share = prefix / "share"
    installed = share / "applications" / DESKTOP.name
    exec_line = re.search(r"^Exec=(.*)$", installed.read_text(encoding="utf-8"), re.M)
    assert exec_line is not None
    # A full path: the desktop session's PATH often lacks ~/.local/bin.
    assert exec_line.group(1) == f"{share / 'aiplan' / 'aiplan'} %f"
    assert subprocess.run([str(prefix / "bin" / "aiplan"), "--version"], capture_output=True,
                          text=True).stdout.strip() == f"aiplan {__version__}"
    assert (share / "metainfo" / METAINFO.name).is_file()
    icon = share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert icon.read_bytes() == ICON.read_bytes()

    if shutil.which("update-mime-database"):
        # A project file renamed without its extension is still recognised, by its content.
        unnamed = tmp_path / "shared-plan"
        shutil.copyfile(sample_file, unnamed)
        assert _mime_of(unnamed, env) == MIME_TYPE
        assert _mime_of(sample_file, env) == MIME_TYPE

    done = subprocess.run(["bash", str(INSTALL), "--uninstall"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not installed.exists() and not (share / "aiplan").exists()
    assert not (prefix / "bin" / "aiplan").exists()
    if shutil.which("update-mime-database"):
        assert _mime_of(tmp_path / "shared-plan", env) != MIME_TYPE


def test_install_without_a_built_app_says_how_to_build_one(tmp_path: Path) -> None:
    env = {**os.environ, "PREFIX": str(tmp_path / "prefix")}
    done = subprocess.run(["bash", str(INSTALL), str(tmp_path / "nothing-here")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "build it first: bash packaging/build.sh" in done.stderr
    assert not (tmp_path / "prefix").exists()


def test_the_icon_renders_into_the_installer_formats(tmp_path: Path) -> None:
    assert ET.parse(ICON).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    done = subprocess.run([sys.executable, str(REPO / "packaging" / "icons.py"), str(tmp_path)],
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    from PIL import Image

    with Image.open(tmp_path / "aiplan.ico") as ico:
        assert {(16, 16), (32, 32), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(tmp_path / "aiplan.icns") as icns:
        assert icns.size == (1024, 1024)
    with Image.open(tmp_path / "aiplan-256.png") as png:
        # The tile is opaque in the middle and transparent at the rounded corner.
        assert png.getpixel((128, 128))[3] == 255 and png.getpixel((0, 0))[3] == 0
