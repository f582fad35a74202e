"""The .aiplan file on disk: checks before any SQL, hardened connections, atomic writes.

A received file is never opened by SQLite where it lies: its bytes are checked, copied to a
local working copy, and every SQL check runs on the copy, so a failed open cannot touch it.
"""

from __future__ import annotations

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
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from app.errors import (
    DamagedProjectFileError,
    EmptyProjectFileError,
    ForeignDatabaseError,
    NewerVersionError,
    NotAProjectFileError,
    OversizedProjectFileError,
    ProjectFileError,
    ProjectFileMissingError,
    ProjectSaveError,
    UnexpectedSchemaError,
    UnreadableProjectFileError,
    os_reason,
)
from app.places import check_side_files
from models import migrate
from models.schema import APPLICATION_ID, SCHEMA_VERSION, Base

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


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileMissingError(path) from None
    except IsADirectoryError:
        raise UnreadableProjectFileError(path, "it is a folder, not a file") from None
    except OSError as exc:
        raise UnreadableProjectFileError(path, os_reason(exc)) from None


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
    user_version, _incremental, application_id = struct.unpack(">III", data[60:72])
    if application_id != APPLICATION_ID:
        raise ForeignDatabaseError(path)
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
def _reference(version: int) -> tuple[frozenset[tuple[str, str, str]], frozenset[tuple[str, str, str]]]:
    """(schema objects, schema shape) of a database our own create_all or migrations build at
    ``version``: built once per version and compared with every file opened."""
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
        found = schema_objects(raw), schema_shape(raw)
    engine.dispose()
    return found


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


# SQL text with its string literals and quoted names removed, to find a keyword in it.
_SQL_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`(?:[^`]|``)*`|\[[^\]]*\]")
_CHECK_KEYWORD = re.compile(r"\bCHECK\b", re.IGNORECASE)


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
        if _CHECK_KEYWORD.search(_SQL_QUOTED.sub(" ", str(sql or ""))):
            shape.add(("CHECK constraint on", table, ""))
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
    budget = bound(connection)
    try:
        # integrity_check rather than quick_check: it also proves each index matches its table.
        result = [r[0] for r in connection.execute("PRAGMA integrity_check(20)").fetchall()]
        if result != ["ok"]:
            found = _one_line(str(result[0]))
            raise DamagedProjectFileError(path, f"SQLite's integrity check found: {found}")
        try:
            revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
            file_version = migrate.version_of(str(revisions[0][0])) if len(revisions) == 1 else -1
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


def _open_source(path: Path) -> tuple[BinaryIO, int]:
    """Open a received file for reading, with its size: a regular file of bounded size."""
    # Non-blocking, so a named pipe in the file's place cannot make the open wait for a writer.
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
            # A pipe or device would block or never end; no project is one.
            raise UnreadableProjectFileError(path, "it is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise OversizedProjectFileError(path, f"it is {_size_text(info.st_size)}")
        return os.fdopen(fd, "rb"), info.st_size
    except BaseException:
        os.close(fd)
        raise


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
        reason = os_reason(exc)
        raise UnreadableProjectFileError(
            path, f"its working copy could not be written ({reason})"
        ) from None
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


def write_atomically(target: Path, data: bytes, verify: Callable[[Path], None]) -> None:
    """Write ``data`` to a temp file beside ``target``, fsync, verify, then replace ``target``.

    Any failure leaves ``target`` exactly as it was and raises ``ProjectSaveError``.
    """
    target = target.absolute()
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.saving")
    fd = -1
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.close(fd)
        fd = -1
        verify(temp)
        os.replace(temp, target)
    except OSError as exc:
        _discard(fd, temp)
        raise ProjectSaveError(target, os_reason(exc)) from None
    except ProjectFileError as exc:
        _discard(fd, temp)
        raise ProjectSaveError(target, f"the written copy failed its check ({exc.detail})") from None
    except BaseException:
        _discard(fd, temp)
        raise
    fsync_folder(target.parent)


def _discard(fd: int, temp: Path) -> None:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        temp.unlink(missing_ok=True)
    except OSError:
        pass
