"""Importing many small objects: plain rows in chunks, memory that does not grow per row."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from app.document import ProjectDocument

ROOT = Path(__file__).resolve().parents[2]

_PEAK = textwrap.dedent("""
    import resource, sys
    from app.document import ProjectDocument
    from app.interchange import sample_data
    entries = int(sys.argv[1])
    data = sample_data()
    data["decision_log"] = [{"id": f"log-{i}", "date": "2026-01-02", "decision": f"Decision {i}",
                             "rationale": "Because.", "alternatives": "None.", "owner": "PM"}
                            for i in range(entries)]
    ProjectDocument.from_data(sample_data(), trusted=True).close()  # imports: the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    document = ProjectDocument.from_data(data, trusted=True)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
    with document.session() as session:
        from sqlalchemy import func, select
        from models.schema import DecisionLogEntry
        count = session.execute(select(func.count()).select_from(DecisionLogEntry)).scalar_one()
    document.close()
    print(grown, count)
""")


def test_a_long_decision_log_imports_without_an_object_per_entry(tmp_path: Path) -> None:
    """100,000 entries cost about 230 MB as ORM objects (240,000: 560 MB); as rows, a few MB."""
    result = subprocess.run([sys.executable, "-c", _PEAK, "100000"], capture_output=True, text=True,
                            cwd=ROOT, timeout=600,
                            env={"AIPLAN_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    grown, count = map(int, result.stdout.split())
    assert count == 100_000
    assert grown < 64


def test_rows_keep_every_field_estimate_and_note(sample: dict[str, Any]) -> None:
    """Opportunities, memo and log go in as plain rows: what comes out is what went in."""
    o = sample["opportunities"][0]
    o["eligible_users"] = {"base": 500, "low": 300, "high": 900, "dist": "pert"}
    o["notes"] = {"eligible_users": "HR headcount, March", "build_cost": "vendor quote"}
    with ProjectDocument.from_data(sample) as document:
        assert document.to_json() == sample
