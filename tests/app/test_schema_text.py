"""Table definitions a crafted file carries: comments and overlong text are refused at once."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.document import ProjectDocument
from app.errors import UnexpectedSchemaError
from app.projectfile import _unquoted

AIPLAN = shutil.which("aiplan", path=str(Path(sys.executable).parent)) or ""


def _rewrite_table_sql(path: Path, table: str, edit) -> None:  # type: ignore[no-untyped-def]
    connection = sqlite3.connect(path, isolation_level=None)
    (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (edit(sql), table))
    connection.execute("PRAGMA writable_schema = OFF")
    connection.close()


def test_a_comment_of_95000_brackets_is_refused_quickly(sample_file: Path) -> None:
    _rewrite_table_sql(sample_file, "opportunities",
                       lambda sql: sql.replace("(", "( /*" + "[" * 95_000 + "*/", 1))
    before = sample_file.read_bytes()
    command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
    # Took 130 s, then said ok; "finishes" is all that is asserted about time.
    result = subprocess.run([*command, "check", str(sample_file)], capture_output=True, text=True,
                            env=dict(os.environ), timeout=60)
    assert result.returncode == 2
    assert "database objects this app never creates" in result.stderr
    assert "overlong definition of table “opportunities”" in result.stderr
    assert sample_file.read_bytes() == before


def test_a_short_comment_in_a_table_definition_is_refused(sample_file: Path) -> None:
    _rewrite_table_sql(sample_file, "project", lambda sql: sql.replace("(", "( -- note\n", 1))
    with pytest.raises(UnexpectedSchemaError, match="comment in the definition of “project”"):
        ProjectDocument.open(sample_file)


@pytest.mark.parametrize(("sql", "checked", "commented"), [
    ("CREATE TABLE t (a TEXT CHECK (a != 'x'))", True, False),
    ("CREATE TABLE \"CHECK\" ([check] 'it''s CHECK', `CHECK`)", False, False),
    ("CREATE TABLE t (a) /* CHECK */", False, True),
    ("CREATE TABLE t (a -- CHECK\n)", False, True),
    ("CREATE TABLE t ('unclosed CHECK", False, False),
    ("[" * 50_000 + " CHECK", False, False),
    ("'" * 50_001 + " CHECK", False, False),
    ("/*" * 50_000 + " CHECK", False, True),
])
def test_quoted_parts_and_comments_are_blanked(sql: str, checked: bool, commented: bool) -> None:
    text, has_comment = _unquoted(sql)
    assert ("CHECK" in text) == checked and has_comment == commented
