"""The .aiplan file on disk: checks before any SQL, hardened connections, atomic writes.

A received file is never opened by SQLite where it lies: its bytes are checked, copied to a
local working copy, and every SQL check runs on the copy, so a failed open cannot touch it.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import sqlite3
import stat
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from app import savetemps
from app.errors import (
    DamagedProjectFileError,
    DataFolderError,
    EmptyProjectFileError,
    ForeignDatabaseError,
    NewerVersionError,
    NotAProjectFileError,
    NotARegularFileError,
    OversizedProjectFileError,
    ProjectFileError,
    ProjectFileMissingError,
    ProjectSaveError,
    UnexpectedSchemaError,
    UnreadableProjectFileError,
    os_reason,
)
from app.places import check_side_files, side_files
from models.fileformat import APPLICATION_ID, SCHEMA_VERSION

if TYPE_CHECKING:  # SQLAlchemy loads when a file is opened, not to check a header
    from sqlalchemy import Engine

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100

# Connections to any project database: schema code may call no risky function, oversized
# cells are caught, and no memory-mapped I/O reads a file another process may truncate.
HARDENING_PRAGMAS = (
    "PRAGMA trusted_schema = OFF",
    "PRAGMA cell_size_check = ON",
    "PRAGMA mmap_size = 0",
    "PRAGMA foreign_keys = ON",
)

# Bounds on opening a received file. A 2,000-opportunity project is under 3 MB and its checks
# take a tenth of a second, so these stop only damaged or crafted files, each with a sentence.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_VALUE_BYTES = 16 * 1024 * 1024  # no project text comes near it
CHECK_SECONDS = 10.0
# How much longer than ours (beyond twice its length) a table's or index's SQL may be.
SQL_LENGTH_MARGIN = 1000
# How often (in SQLite VM steps) the checks look at the clock: about every millisecond.
_PROGRESS_STEPS = 20_000
# Limits on the connections that check a received file: SQL and schema text a project never
# needs cannot make the checks build huge values, parse huge statements or recurse deeply.
CHECK_LIMITS = (
    (sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES),
    (sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000),
    (sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 100),
    (sqlite3.SQLITE_LIMIT_COMPOUND_SELECT, 20),
    (sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1_000),
    (sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH, 10),
    (sqlite3.SQLITE_LIMIT_ATTACHED, 0),
    (sqlite3.SQLITE_LIMIT_VDBE_OP, 250_000),
)

_SNIFFS = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\x1f\x8b", "a gzip archive"),
)


def harden(dbapi_connection: sqlite3.Connection) -> None:
    for pragma in HARDENING_PRAGMAS:
        dbapi_connection.execute(pragma)


def connect_raw(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A hardened sqlite3 connection in autocommit mode (we issue BEGIN ourselves)."""
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    connection = sqlite3.connect(uri, uri=True, isolation_level=None)
    harden(connection)
    return connection


def make_engine(path: Path) -> Engine:
    """An engine on a local working copy: hardened, rollback journal, transactional DDL."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # pysqlite would otherwise commit before DDL, so migrations could half-apply.
        dbapi_connection.isolation_level = None
        harden(dbapi_connection)
        dbapi_connection.execute("PRAGMA journal_mode = DELETE")
        dbapi_connection.execute("PRAGMA synchronous = FULL")

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")

    return engine


# --- checks on the bytes, before any SQL -------------------------------------------------


def _sniff(data: bytes) -> str:
    for magic, what in _SNIFFS:
        if data.startswith(magic):
            return what
    head = data[:4096].lstrip()
    if head[:1] in (b"{", b"[") and b'"format"' in head:
        return "a JSON export (use Import JSON)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return "a text file" if head else ""


def check_header(path: Path, data: bytes, size: int | None = None) -> int:
    """Check the SQLite header of a would-be project file; return its ``user_version``.

    ``data`` is the file or its first bytes (a few kilobytes name what a stray file is);
    ``size`` is the whole file's length when ``data`` is only its start.
    """
    size = len(data) if size is None else size
    if not size:
        raise EmptyProjectFileError(path)
    if not data.startswith(SQLITE_MAGIC):
        if SQLITE_MAGIC.startswith(data):
            raise DamagedProjectFileError(path, "it is cut short after a few bytes")
        raise NotAProjectFileError(path, _sniff(data))
    if size < HEADER_SIZE:
        raise DamagedProjectFileError(path, "it is cut short inside its header")
    # Whose database it is comes first: another program's file is never called a damaged
    # project (``--replace`` overwrites damaged projects, never other programs' files).
    user_version, _incremental, application_id = struct.unpack(">III", data[60:72])
    if application_id != APPLICATION_ID:
        raise ForeignDatabaseError(path)
    page_size = struct.unpack(">H", data[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DamagedProjectFileError(path, "its header gives an impossible page size")
    if size % page_size:
        raise DamagedProjectFileError(path, "it is cut short in the middle of a page")
    change_counter, header_pages = struct.unpack(">II", data[24:32])
    valid_for = struct.unpack(">I", data[92:96])[0]
    if change_counter == valid_for and header_pages * page_size > size:
        raise DamagedProjectFileError(path, "it is shorter than its header says")
    if user_version < 1:
        raise DamagedProjectFileError(path, "its header has no schema version")
    return int(user_version)


# --- checks with SQL, on a copy we own ---------------------------------------------------


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def schema_objects(connection: sqlite3.Connection) -> frozenset[tuple[str, str, str]]:
    """Every table, index, view and trigger, and every column of every table."""
    rows = connection.execute("SELECT type, name, tbl_name FROM sqlite_master").fetchall()
    objects = {(str(t), str(n), str(tbl)) for t, n, tbl in rows}
    for kind, name, _ in list(objects):
        if kind == "table":
            for column in connection.execute(f"PRAGMA table_info({_quoted(name)})").fetchall():
                objects.add(("column", f"{name}.{column[1]}", str(column[2]).upper()))
    return frozenset(objects)


@functools.cache
def _reference(version: int) -> tuple[frozenset[tuple[str, str, str]], frozenset[tuple[str, str, str]],
                                      dict[str, int]]:
    """(schema objects, schema shape, length of each object's SQL) of a database our own
    create_all or migrations build at ``version``: built once per version and compared with
    every file opened."""
    from sqlalchemy import create_engine

    from models import migrate
    from models.schema import Base

    engine = create_engine("sqlite://", poolclass=None)
    with engine.connect() as connection:
        if version == SCHEMA_VERSION:
            Base.metadata.create_all(connection)
            connection.commit()
            migrate.stamp(connection, version)
        else:
            migrate.upgrade(connection, version)
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        found = schema_objects(raw), schema_shape(raw), _sql_lengths(raw)
    engine.dispose()
    return found


def _sql_lengths(connection: sqlite3.Connection) -> dict[str, int]:
    return {str(name): int(length) for name, length in connection.execute(
        "SELECT name, length(sql) FROM sqlite_master WHERE sql IS NOT NULL")}


def _overlong_sql(connection: sqlite3.Connection, version: int) -> str | None:
    """The first table or index whose SQL is far longer than ours for it, in words, or None.

    Our create_all and migrations write definitions of a known length; text far beyond it
    (a long comment, say) serves nobody but a crafted file, so it is refused before any scan.
    """
    expected = _reference(version)[2]
    for kind, name, length in connection.execute(
            "SELECT type, name, length(sql) FROM sqlite_master WHERE sql IS NOT NULL"):
        if int(length) > 2 * expected.get(str(name), 0) + SQL_LENGTH_MARGIN:
            return f"an overlong definition of {kind} “{name}”"
    return None


def expected_schema(version: int) -> frozenset[tuple[str, str, str]]:
    """The objects a file at ``version`` holds: built by our own create_all or migrations."""
    return _reference(version)[0]


def _describe(objects: set[tuple[str, str, str]]) -> str:
    names = sorted(f"{kind} “{name}”" for kind, name, _ in objects)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def content_digest(connection: sqlite3.Connection) -> str:
    """SHA-256 over every row of every table (columns by name), without the digest itself.

    The algorithm must never change: files saved by any version are checked with it.
    """
    digest = hashlib.sha256()
    # Text as the bytes stored, so damaged UTF-8 is hashed (and caught) rather than decoded.
    text_factory = connection.text_factory
    connection.text_factory = bytes
    try:
        _hash_rows(connection, digest)
    finally:
        connection.text_factory = text_factory
    return digest.hexdigest()


def _hash_rows(connection: sqlite3.Connection, digest: hashlib._Hash) -> None:
    tables = sorted(
        name.decode("utf-8")
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    )
    for table in tables:
        columns = sorted(
            c[1].decode("utf-8")
            for c in connection.execute(f"PRAGMA table_info({_quoted(table)})")
            if not (table == "project" and c[1] == b"content_digest")
        )
        select = ", ".join(_quoted(c) for c in columns)
        rows = sorted(
            json.dumps([v.hex() if isinstance(v, bytes) else v for v in row], ensure_ascii=False)
            for row in connection.execute(f"SELECT {select} FROM {_quoted(table)}")
        )
        digest.update(json.dumps([table, columns, rows], ensure_ascii=False).encode("utf-8"))


class _Budget:
    """Stops SQL on a connection once it has run for ``seconds``.

    A progress handler reads the clock every ``_PROGRESS_STEPS`` VM steps; a timer also
    interrupts the connection at the deadline, because a crafted expression can spend seconds
    in a single step (up to ``MAX_VALUE_BYTES`` of string work) where no handler runs.
    """

    def __init__(self, connection: sqlite3.Connection, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.spent = False
        self._connection = connection
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True
        connection.set_progress_handler(self._progress, _PROGRESS_STEPS)
        self._timer.start()

    def _progress(self) -> int:
        if time.monotonic() > self.deadline:
            self.spent = True
        return int(self.spent)

    def _expire(self) -> None:
        self.spent = True
        try:
            self._connection.interrupt()
        except sqlite3.Error:
            pass  # already closed: the checks ended just now

    def cancel(self) -> None:
        """Stop the timer; call before closing the connection."""
        self._timer.cancel()


def bound(connection: sqlite3.Connection, seconds: float | None = None) -> _Budget:
    """Limit what SQL on ``connection`` may build or parse, and for how long it may run.

    The caller must ``cancel()`` the returned budget when done with the connection.
    """
    for category, limit in CHECK_LIMITS:
        connection.setlimit(category, limit)
    return _Budget(connection, CHECK_SECONDS if seconds is None else seconds)


# Where a quoted part or a comment starts in SQL text, and what ends it.
_SQL_SPECIAL = re.compile(r"['\"`\[]|--|/\*")
_SQL_CLOSERS = {"'": "'", '"': '"', "`": "`", "[": "]", "--": "\n", "/*": "*/"}
_CHECK_KEYWORD = re.compile(r"\bCHECK\b", re.IGNORECASE)


def _unquoted(sql: str) -> tuple[str, bool]:
    """``sql`` with string literals, quoted names and comments blanked, and whether it holds a
    comment. One pass with ``str.find``: the time is proportional to the text's length, whatever
    a crafted file puts in it (a regex with a nested repeat took minutes on 95,000 ``[``)."""
    parts: list[str] = []
    commented = False
    at, end = 0, len(sql)
    while at < end:
        found = _SQL_SPECIAL.search(sql, at)
        if found is None:
            parts.append(sql[at:])
            break
        parts.append(sql[at:found.start()])
        parts.append(" ")
        opener = found.group()
        closer = _SQL_CLOSERS[opener]
        commented = commented or opener in ("--", "/*")
        at = found.end()
        while True:
            close = sql.find(closer, at)
            if close < 0:
                at = end  # never closed: the rest is quoted
                break
            at = close + len(closer)
            # '' inside a string (and "" and `` inside names) stands for the quote itself.
            if opener in ("'", '"', "`") and sql.startswith(closer, at):
                at += 1
                continue
            break
    return "".join(parts), commented


def schema_shape(connection: sqlite3.Connection) -> frozenset[tuple[str, str, str]]:
    """How each table and index is defined, beyond the names ``schema_objects`` compares.

    Column constraints and defaults, generated columns, foreign keys, index columns and
    expressions, and CHECK constraints: a file edited to run costly expressions on every
    write, or to let a required value be missing, differs here. Built from SQLite's own
    reading of the schema, so files migrated or created alike compare equal.
    """
    shape: set[tuple[str, str, str]] = set()
    tables = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for table, sql in tables:
        quoted = _quoted(table)
        for _cid, name, kind, notnull, default, pk, hidden in connection.execute(
                f"PRAGMA table_xinfo({quoted})"):
            shape.add(("column definition", f"{table}.{name}",
                       f"{str(kind).upper()} {notnull} {default} {pk} {hidden}"))
        for row in connection.execute(f"PRAGMA foreign_key_list({quoted})"):
            shape.add(("foreign key", f"{table}.{row[3]}", f"{row[2]}.{row[4]} {row[5]} {row[6]}"))
        text, commented = _unquoted(str(sql or ""))
        if _CHECK_KEYWORD.search(text):
            shape.add(("CHECK constraint on", table, ""))
        if commented:  # our create_all and migrations write none
            shape.add(("comment in the definition of", table, ""))
        for _seq, index, unique, origin, partial in connection.execute(
                f"PRAGMA index_list({quoted})"):
            keys = [
                f"{name if cid >= 0 else ('rowid' if cid == -1 else 'an expression')} "
                f"{desc} {collation}"
                for _n, cid, name, desc, collation, key in connection.execute(
                    f"PRAGMA index_xinfo({_quoted(index)})")
                if key
            ]
            shape.add(("index definition", index,
                       f"{table} {unique} {origin} {partial} {', '.join(keys)}"))
    return frozenset(shape)


def expected_shape(version: int) -> frozenset[tuple[str, str, str]]:
    """The ``schema_shape`` of a file at ``version``, built as ``expected_schema`` is."""
    return _reference(version)[1]


def _bound_exceeded(path: Path, exc: sqlite3.Error, budget: _Budget) -> ProjectFileError | None:
    """The plain error for a check stopped by one of our bounds, if that is what stopped it."""
    if budget.spent:
        return OversizedProjectFileError(
            path, f"checking it took longer than {CHECK_SECONDS:g} seconds"
        )
    code = getattr(exc, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_TOOBIG:
        return OversizedProjectFileError(
            path, f"it holds a value larger than {MAX_VALUE_BYTES // (1024 * 1024)} MB"
        )
    if code == sqlite3.SQLITE_NOMEM:
        return OversizedProjectFileError(path, "checking it needed more memory than is free")
    return None


# What each declared column type may hold, as SQLite's typeof() names it. SQLite stores
# whatever it is given, so a crafted file could hold text where the engine does arithmetic.
# Comparisons rather than typeof() calls, for speed: SQLite orders numbers < text < blobs,
# so a finite number lies between the largest floats and text lies between '' and x''.
_KINDS = {
    "FLOAT": ("{c} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308", "a number"),
    "INTEGER": ("nullif(typeof({c}), 'null') = 'integer'", "a whole number"),
    "BOOLEAN": ("{c} IN (0, 1)", "yes or no"),
    "TEXT": ("{c} >= '' AND {c} < x''", "text"),
}


def _kind_rules(version: int) -> dict[str, list[tuple[str, str, str]]]:
    """Per table: (column, SQL condition its values meet, what it holds in words)."""
    rules: dict[str, list[tuple[str, str, str]]] = {}
    for kind, name, definition in sorted(expected_shape(version)):
        if kind != "column definition":
            continue
        table, column = name.split(".", 1)
        declared, notnull = definition.split()[:2]
        base = "TEXT" if declared.startswith("VARCHAR") else declared
        if base not in _KINDS:
            continue
        condition, words = _KINDS[base]
        condition = condition.format(c=_quoted(column))
        # NULL fails every comparison, so the condition is NULL there, which WHERE NOT skips.
        if notnull != "0":
            condition = f"{_quoted(column)} IS NOT NULL AND {condition}"
        rules.setdefault(table, []).append((column, condition, words))
    return rules


def _wrong_kind(connection: sqlite3.Connection, version: int) -> str | None:
    """The first ``table.column`` holding a value of the wrong kind, in words, or ``None``."""
    for table, rules in _kind_rules(version).items():
        # Some columns per query keep each expression shallow (CHECK_LIMITS caps its depth).
        for start in range(0, len(rules), 40):
            chunk = rules[start:start + 40]
            wrong = " OR ".join(f"NOT ({condition})" for _, condition, _ in chunk)
            if connection.execute(
                    f"SELECT 1 FROM {_quoted(table)} WHERE {wrong} LIMIT 1").fetchone():
                for column, condition, words in chunk:
                    if connection.execute(f"SELECT 1 FROM {_quoted(table)} "
                                          f"WHERE NOT ({condition}) LIMIT 1").fetchone():
                        return f"{table}.{column} holds something other than {words}"
    return None


def _broken_link(connection: sqlite3.Connection) -> str | None:
    """The first ``table.column`` whose link points nowhere, or ``None``.

    SQLite enforces links only as rows are written, so a file written elsewhere may break them.
    """
    row = connection.execute("PRAGMA foreign_key_check").fetchone()
    if row is not None:
        table, _rowid, _parent, index = row
        links = connection.execute(f"PRAGMA foreign_key_list({_quoted(table)})").fetchall()
        columns = [link[3] for link in links if link[0] == index]
        return f"{table}.{columns[0] if columns else 'link'}"
    # A decision's chosen option has no foreign key (options point back at decisions).
    if connection.execute(
            "SELECT 1 FROM decisions d WHERE d.chosen_option_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM options o WHERE o.id = d.chosen_option_id AND o.decision_id = d.id)"
            " LIMIT 1").fetchone():
        return "decisions.chosen_option_id"
    return None


def _one_line(report: str) -> str:
    """SQLite's report as part of a sentence: no "*** in database main ***" heading, one line."""
    lines = [line for line in report.splitlines() if not line.startswith("***")]
    text = " ".join(" ".join(lines).split())[:300]
    return text or "an unnamed problem"


def check_database(path: Path, db_path: Path, header_version: int) -> int:
    """SQL checks of a copy at ``db_path`` (``path`` names the user's file in messages).

    The checks run within ``CHECK_LIMITS`` and ``CHECK_SECONDS``; a file that needs more is
    refused with ``OversizedProjectFileError``.
    """
    try:
        connection = connect_raw(db_path, readonly=True)
    except sqlite3.Error as exc:
        raise DamagedProjectFileError(path, f"SQLite cannot open it: {exc}") from None
    return _check_connection(path, connection, header_version)


def check_image(path: Path, data: bytes, header_version: int) -> int:
    """The checks of ``check_database`` on a file's bytes in memory (a save's read-back).

    No path is opened by SQLite, whose limit on path length (512 bytes) is below the system's.
    """
    connection = sqlite3.connect(":memory:", isolation_level=None)
    try:
        harden(connection)
        connection.deserialize(data)
        connection.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        connection.close()
        raise DamagedProjectFileError(path, f"SQLite cannot open it: {exc}") from None
    return _check_connection(path, connection, header_version)


def _check_connection(path: Path, connection: sqlite3.Connection, header_version: int) -> int:
    """Every SQL check on ``connection``, which this closes."""
    budget = bound(connection)
    try:
        # integrity_check rather than quick_check: it also proves each index matches its table.
        result = [r[0] for r in connection.execute("PRAGMA integrity_check(20)").fetchall()]
        if result != ["ok"]:
            found = _one_line(str(result[0]))
            raise DamagedProjectFileError(path, f"SQLite's integrity check found: {found}")
        try:
            revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
            file_version = int(str(revisions[0][0])) if len(revisions) == 1 else -1  # migrate.version_of
        except (sqlite3.Error, ValueError):
            file_version = -1
        if file_version != header_version:
            if header_version > SCHEMA_VERSION and file_version == -1:
                raise NewerVersionError(path, header_version, SCHEMA_VERSION)
            raise DamagedProjectFileError(path, "its two records of the schema version disagree")
        if file_version > SCHEMA_VERSION:
            raise NewerVersionError(path, file_version, SCHEMA_VERSION)
        found = schema_objects(connection)
        expected = expected_schema(file_version)
        extra = set(found - expected)
        if extra:
            raise UnexpectedSchemaError(path, _describe(extra))
        if found != expected:
            raise DamagedProjectFileError(path, f"it lacks {_describe(set(expected - found))}")
        overlong = _overlong_sql(connection, file_version)
        if overlong:
            raise UnexpectedSchemaError(path, overlong)
        reshaped = set(schema_shape(connection) - expected_shape(file_version))
        if reshaped:
            raise UnexpectedSchemaError(path, _describe(reshaped))
        wrong = _wrong_kind(connection, file_version)
        if wrong:
            raise DamagedProjectFileError(path, f"its {wrong}")
        broken = _broken_link(connection)
        if broken:
            raise DamagedProjectFileError(path, f"its {broken} links to something it does not hold")
        stored = connection.execute("SELECT content_digest FROM project").fetchall()
        if len(stored) != 1 or stored[0][0] != content_digest(connection):
            raise DamagedProjectFileError(
                path, "its contents do not match the checksum written when it was saved"
            )
        return file_version
    except sqlite3.DatabaseError as exc:
        bounded = _bound_exceeded(path, exc, budget)
        if bounded is not None:
            raise bounded from None
        raise DamagedProjectFileError(path, f"SQLite reports: {_one_line(str(exc))}") from None
    except UnicodeDecodeError:
        raise DamagedProjectFileError(path, "it holds text that is not valid UTF-8") from None
    except MemoryError:
        raise OversizedProjectFileError(path, "checking it needed more memory than is free") from None
    finally:
        budget.cancel()
        connection.close()


def _size_text(size: int) -> str:
    return f"{size / 1024**3:.1f} GB" if size >= 1024**3 else f"{size // 1024**2} MB"


def open_regular(path: Path) -> tuple[BinaryIO, os.stat_result]:
    """Open a received file (a project or a JSON export) for reading, with what fstat says.

    Opened without waiting, so a named pipe in the file's place cannot make it wait for a
    writer; anything but a regular file (a pipe, a device such as /dev/zero that never ends, a
    folder) is refused before a byte is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ProjectFileMissingError(path) from None
    except IsADirectoryError:
        raise UnreadableProjectFileError(path, "it is a folder, not a file") from None
    except OSError as exc:
        if path.is_dir():  # Windows says "permission denied" for a folder
            raise UnreadableProjectFileError(path, "it is a folder, not a file") from None
        raise UnreadableProjectFileError(path, os_reason(exc)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UnreadableProjectFileError(path, "it is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFileError(
                path, "a named pipe" if stat.S_ISFIFO(info.st_mode) else "a device or socket")
        return os.fdopen(fd, "rb"), info
    except BaseException:
        os.close(fd)
        raise


def _open_source(path: Path) -> tuple[BinaryIO, int]:
    """Open a received project for reading, with its size: a regular file of bounded size."""
    source, info = open_regular(path)
    if info.st_size > MAX_FILE_BYTES:
        source.close()
        raise OversizedProjectFileError(path, f"it is {_size_text(info.st_size)}")
    return source, info.st_size


def _copy_bounded(path: Path, source: BinaryIO, size: int, head: bytes, dest: Path) -> None:
    """Copy ``source`` to ``dest``; refuse a file that grows past the cap or changes size."""
    copied = 0
    try:
        with dest.open("wb") as out:
            out.write(head)
            copied = len(head)
            while True:
                try:
                    chunk = source.read(1024 * 1024)
                except OSError as exc:
                    raise UnreadableProjectFileError(path, os_reason(exc)) from None
                if not chunk:
                    break
                copied += len(chunk)
                if copied > MAX_FILE_BYTES:
                    raise OversizedProjectFileError(path, f"it is over {_size_text(copied)}")
                out.write(chunk)
    except OSError as exc:
        # The app's own folder is full or closed: say so, not that the user's file is unreadable.
        raise DataFolderError(dest.parent, os_reason(exc)) from None
    if copied != size:
        raise DamagedProjectFileError(path, "it changed while it was being read")


def copy_checked(path: Path, dest: Path, *, allow_side_files: bool = False) -> int:
    """Check the file at ``path`` and copy it to ``dest``; return its schema version.

    A ``-journal``, ``-wal`` or ``-shm`` file beside ``path`` raises ``SideFilesError``
    unless ``allow_side_files`` (the user chose to open the file as it is). On any failure
    ``dest`` is removed and ``path`` was only ever read.
    """
    source, size = _open_source(path)
    with source:
        if not allow_side_files:
            check_side_files(path)
        try:
            head = source.read(4096)
        except OSError as exc:
            raise UnreadableProjectFileError(path, os_reason(exc)) from None
        header_version = check_header(path, head, size)
        if header_version > SCHEMA_VERSION:
            raise NewerVersionError(path, header_version, SCHEMA_VERSION)
        try:
            _copy_bounded(path, source, size, head, dest)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
    try:
        return check_database(path, dest, header_version)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def check_file(path: Path, scratch_dir: Path, *, allow_side_files: bool = False) -> int:
    """Run every open check on ``path`` without keeping a copy; return its schema version."""
    scratch = scratch_dir / f"check-{uuid.uuid4().hex}.aiplan"
    try:
        return copy_checked(path, scratch, allow_side_files=allow_side_files)
    finally:
        scratch.unlink(missing_ok=True)


# --- the atomic write of a save ----------------------------------------------------------


def fsync_folder(folder: Path) -> None:
    """Make a rename durable. Best effort: Windows and some network shares cannot."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: How long a save waits for another save of the same file to finish its last step (seconds).
SAVE_GUARD_WAIT = 10.0
#: A save guard older than this (seconds) was left by a process that died in that step: the
#: step takes milliseconds, so only a dead (or frozen) process leaves one for so long.
GUARD_STALE = 30.0
# SQLite's lock bytes (its PENDING, RESERVED and SHARED bytes): another program that is writing
# the database holds a write lock on some of them until its commit is complete.
_SQLITE_LOCK_START = 0x40000000
_SQLITE_LOCK_BYTES = 2 + 510

try:
    import fcntl
except ImportError:  # Windows: SQLite locks there are not visible this way
    fcntl = None  # type: ignore[assignment]


def real_target(target: Path) -> Path:
    """The file a save of ``target`` writes: symlinks resolved, so a link stays a link and
    the file it points to gets the new content."""
    return Path(os.path.realpath(Path(target).absolute()))


def check_replaceable(target: Path, real: Path | None = None, *,
                      writers: bool = True) -> os.stat_result | None:
    """Raise ``ProjectSaveError`` when the file at ``target`` must not be replaced; return its
    status (None when there is no file yet).

    Refused: something that is not a regular file (a pipe would make a save wait forever), a
    file with other names (hard links: a replace would leave them on the old content), an
    SQLite side file beside it or another program writing it (its commit would be lost);
    those last two only with ``writers``.
    """
    real = real_target(target) if real is None else real
    try:
        _check_name_length(real)
        info = os.stat(real)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProjectSaveError.from_os_error(target, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise ProjectSaveError(target, "something that is not a regular file (a folder, pipe or "
                               "device) has its name", advice="Choose another name, then save again.")
    if info.st_nlink > 1:
        raise ProjectSaveError(
            target, f"it has {info.st_nlink - 1} more name{'s' if info.st_nlink > 2 else ''} "
            "(hard links), which replacing it would leave on the old content",
            advice="Use Save As to save it under a name of its own.")
    if not writers:
        return info
    found = side_files(real)
    if found:
        raise ProjectSaveError(target, f"“{found[0].name}” lies beside it, so another program may be "
                               "writing it", advice="Close that program, then save again.")
    if _held_for_writing(real):
        raise ProjectSaveError(target, "another program is writing to it right now",
                               advice="Close that program or let it finish, then save again.")
    return info


def _check_name_length(real: Path) -> None:
    try:
        limit = os.pathconf(real.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    if len(os.fsencode(real.name)) > limit:
        raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))


def _held_for_writing(real: Path) -> bool:
    """Whether another process holds SQLite's write lock on the file (a transaction open)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False  # nothing to probe; the replace reports what is wrong
    try:
        # A shared lock conflicts only with write locks: readers do not count, writers do.
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB, _SQLITE_LOCK_BYTES, _SQLITE_LOCK_START)
    except OSError as exc:
        return exc.errno in (errno.EACCES, errno.EAGAIN)
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, _SQLITE_LOCK_BYTES, _SQLITE_LOCK_START)
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def save_guard(target: Path, real: Path) -> Iterator[None]:
    """Held around the last check and the rename of a save, so two saves of one file (two
    processes, perhaps two computers on a share) never both pass their check before either
    renames. Created with O_EXCL, which works on network shares too; a guard left by a dead
    process is cleared."""
    guard = savetemps.guard_path(real)
    deadline = time.monotonic() + SAVE_GUARD_WAIT
    while True:
        try:
            fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            if savetemps.clear_stale_guard(guard, GUARD_STALE):
                continue
            if time.monotonic() > deadline:
                raise ProjectSaveError(target, "another save of this file has not finished",
                                       advice="Try again in a moment.") from None
            time.sleep(0.02)
    try:
        mine = os.fstat(fd).st_ino
        os.write(fd, savetemps.guard_content())
    finally:
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if os.stat(guard).st_ino == mine:
                os.unlink(guard)


def write_atomically(target: Path, data: bytes, verify: Callable[[Path], None], *,
                     before_replace: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to a temp file beside ``target``, fsync, verify, then replace ``target``.

    Any failure leaves ``target`` exactly as it was and raises ``ProjectSaveError``. A symlink
    is followed (the file it points to is written; the link stays). The new file keeps the
    old one's permissions and, where allowed, its owner and group; a new file gets the
    permissions the user's umask gives. ``before_replace(real path)`` runs just before the
    rename, under the save guard; what it raises stops the save (the temp file is removed).
    """
    target = Path(target).absolute()
    real = real_target(target)
    fd = -1
    temp: Path | None = None
    try:
        original = check_replaceable(target, real, writers=False)
        savetemps.remove_stray_temps(real)  # killed saves must not pile up full-size copies
        temp = savetemps.new_temp(real.parent)
        # Private until verified; a new file is created as any program would create it.
        mode = 0o600 if original is not None else 0o666
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        verify(temp)
        if original is not None:
            _keep_owner_and_mode(temp, original)
        with save_guard(target, real):
            check_replaceable(target, real)  # the file's state now, not as it was before the write
            if before_replace is not None:
                before_replace(real)
            os.replace(temp, real)
            temp = None
            fsync_folder(real.parent)
    except OSError as exc:
        _discard(fd, temp)
        raise ProjectSaveError.from_os_error(target, exc) from None
    except ProjectSaveError:
        _discard(fd, temp)
        raise
    except ProjectFileError as exc:
        _discard(fd, temp)
        raise ProjectSaveError(target, f"the written copy failed its check ({exc.detail})") from None
    except BaseException:
        _discard(fd, temp)
        raise


def _keep_owner_and_mode(temp: Path, original: os.stat_result) -> None:
    """Give the temp file the replaced file's owner, group and permission bits."""
    info = os.stat(temp)
    if (info.st_uid, info.st_gid) != (original.st_uid, original.st_gid) and hasattr(os, "chown"):
        try:
            os.chown(temp, original.st_uid, original.st_gid)
        except PermissionError:
            # Only root may give a file away; a group we are in is still worth keeping.
            with contextlib.suppress(OSError):
                os.chown(temp, -1, original.st_gid)
    # After chown, which clears set-id bits; those are never kept on a data file anyway.
    os.chmod(temp, stat.S_IMODE(original.st_mode) & 0o1777)


def _discard(fd: int, temp: Path | None) -> None:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
    if temp is None:
        return
    try:
        temp.unlink(missing_ok=True)
    except OSError:
        pass
