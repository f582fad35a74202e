"""Recalculate workbooks with LibreOffice headless, for tests that check live formulas."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

#: Always recalculate OOXML files on load (openpyxl writes formulas without cached values, and
#: a changed input must move every result, not keep a stale cache).
_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""

needs_soffice = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui to run "
           "workbook recalculation tests")


def recalculate(files: list[Path], out_dir: Path, timeout: float = 120) -> list[Path]:
    """Recalculate and re-save ``files`` as xlsx in ``out_dir`` (one soffice start for all)."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    # A private profile per call, so parallel test runs never share LibreOffice's user lock.
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC, encoding="utf-8")
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--calc", "--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, files)],
            check=True, capture_output=True, timeout=timeout,
        )
    outputs = [out_dir / (Path(f).stem + ".xlsx") for f in files]
    missing = [p for p in outputs if not p.exists()]
    if missing:
        raise AssertionError(f"LibreOffice produced no output for {missing}")
    return outputs
