"""Fuzzed project files either open as valid projects or are refused in one plain sentence.

Starting from sound files (the saved sample and a small project), Hypothesis flips bits,
overwrites runs, cuts and inserts bytes, and edits the schema and values with SQLite (often
re-stamping the content checksum, as a crafted file would, so the edit reaches the deeper
checks). Whatever comes out, opening it raises nothing but a ``ProjectFileError``, or opens
content that exports and validates; the file's bytes never change, and no working file is
left behind. tests/app/test_bad_files.py holds the hand-picked cases and bit-flip corpus.

The hostile JSON corpus at the end (texts that once took minutes or gigabytes to read) is
checked and imported by the real command: each finishes, refused in one sentence.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from app import errors, interchange, paths
from app.document import ProjectDocument
from app.projectfile import check_file, content_digest
from tests.app.test_cli import _one_line_error, aiplan

CI_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@pytest.fixture(scope="module")
def templates(sample_file_template: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> dict[str, bytes]:
    """The sound files every case starts from: the sample plan and a small project."""
    folder = tmp_path_factory.mktemp("fuzz-templates")
    small = folder / "small.aiplan"
    with ProjectDocument.new("Small plan") as doc:
        doc.save_as(small)
    return {"sample": sample_file_template.read_bytes(), "small": small.read_bytes()}


def _assert_plain(exc: errors.ProjectFileError, path: Path) -> None:
    message = str(exc)
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message
    assert path.name in message


def _tally(outcome: str) -> None:
    # Counted per test: pytest --hypothesis-show-statistics shows how the cases ended.
    if currently_in_test_context():
        event(outcome)


def _open_property(data: bytes) -> bool:
    """Opening ``data`` as a file: refused plainly or valid; no change, nothing left over.

    The file checks alone (``check_file``) do not judge well-typed values (a negative count,
    an unknown distribution): opening does, so it may refuse a file the checks pass, and
    only as invalid project data.
    """
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        path = folder / "plan.aiplan"
        path.write_bytes(data)
        scratch = folder / "scratch"
        scratch.mkdir()
        digest = hashlib.sha256(data).hexdigest()

        try:
            check_file(path, scratch)
            checked = True
        except errors.ProjectFileError as exc:
            _assert_plain(exc, path)
            checked = False
        refusal: errors.ProjectFileError | None = None
        try:
            doc = ProjectDocument.open(path)
        except errors.ProjectFileError as exc:
            _assert_plain(exc, path)
            _tally(f"refused: {type(exc).__name__}")
            refusal = exc
            opened = False
        else:
            _tally("opened")
            with doc:
                content = doc.to_json()
            interchange.validate(content)  # opened, so it must be a valid project
            opened = True
        if checked and not opened:
            assert isinstance(refusal, errors.InvalidProjectDataError), "the check and the open disagree"
        else:
            assert opened == checked, "the check and the open disagree"

        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the file changed"
        assert sorted(p.name for p in folder.iterdir()) == ["plan.aiplan", "scratch"]
        assert list(scratch.iterdir()) == []
        assert list(paths.working_dir().iterdir()) == []
        return opened


# --- byte-level damage -------------------------------------------------------------------


Damage = tuple[str, int, Any]

# Where damage lands: the header past its magic string (test_bad_files covers that), the
# schema page, or anywhere (as a fraction of the length).
position = st.one_of(st.integers(16, 99), st.integers(16, 4095),
                     st.floats(0, 1, exclude_max=True))
damage = st.one_of(
    st.tuples(st.just("flip"), position, st.integers(0, 7)),
    st.tuples(st.just("run"), position, st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("fill"), position,
              st.tuples(st.sampled_from([8, 100, 512, 4096]), st.sampled_from([0, 0xFF, 0x20]))),
    st.tuples(st.just("truncate"), position, st.booleans()),
    st.tuples(st.just("insert"), position,
              st.binary(min_size=1, max_size=64) | st.just(b"\0" * 4096)),
)


def _damaged(original: bytes, damages: list[Damage]) -> bytes:
    data = bytearray(original)
    for kind, where, what in damages:
        if not data:
            break
        at = int(where * len(data)) if isinstance(where, float) else min(where, len(data) - 1)
        if kind == "flip":
            data[at] ^= 1 << what
        elif kind == "run":
            data[at:at + len(what)] = what[:len(data) - at]
        elif kind == "fill":
            length, byte = what
            end = min(len(data), at + length)
            data[at:end] = bytes([byte]) * (end - at)
        elif kind == "truncate":
            del data[(max(4096, at // 4096 * 4096) if what else at):]
        else:
            data[at:at] = what
    return bytes(data)


def _byte_cases(templates: dict[str, bytes], count: int) -> Callable[[], None]:
    @settings(max_examples=count, **CI_SETTINGS)
    @given(name=st.sampled_from(["sample", "small"]),
           damages=st.lists(damage, min_size=1, max_size=3))
    def run(name: str, damages: list[Damage]) -> None:
        _open_property(_damaged(templates[name], damages))

    return run


def test_byte_damage(templates: dict[str, bytes]) -> None:
    _byte_cases(templates, 650)()


@pytest.mark.slow
def test_byte_damage_many(templates: dict[str, bytes]) -> None:
    _byte_cases(templates, 10_000)()


# --- edits another program (or a crafted file) could make -------------------------------

TEXT_COLUMNS = [("opportunities", "name"), ("opportunities", "description"),
                ("memo_sections", "body"), ("decision_log", "rationale"), ("project", "name")]
EXTRA_OBJECTS = [
    "CREATE TRIGGER t_wipe AFTER UPDATE ON opportunities BEGIN DELETE FROM decisions; END",
    "CREATE VIEW v_names AS SELECT name FROM opportunities",
    "CREATE INDEX ix_extra ON opportunities (lower(name))",
    "CREATE TABLE payload (x BLOB)",
    "CREATE UNIQUE INDEX ix_memo_title ON memo_sections (title)",
]
CHECKS = ["length(id) > 0", "length(replace(printf('%.*c', 100000, id), 'x', 'yz')) > 0",
          "id NOT LIKE '%a%a%a%a%a%b'", "abs(-9223372036854775808)"]


def _table_sql(con: sqlite3.Connection, table: str, old: str, new: str) -> None:
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = ?",
                (old, new, table))
    con.execute("PRAGMA writable_schema = OFF")


Edit = tuple[str, Callable[[sqlite3.Connection], Any]]


@st.composite
def edit(draw: Any) -> Edit:
    kind = draw(st.sampled_from([
        "extra", "rename", "add_column", "check", "not_null", "text", "huge", "wrong_type",
        "odd_value", "dangling", "delete", "deep_view", "view_tower", "default",
    ]))
    return kind, draw(_change(kind))


@st.composite
def _change(draw: Any, kind: str) -> Callable[[sqlite3.Connection], Any]:
    table, column = draw(st.sampled_from(TEXT_COLUMNS))
    if kind == "extra":
        ddl = draw(st.sampled_from(EXTRA_OBJECTS))
        return lambda con: con.execute(ddl)
    if kind == "rename":
        return lambda con: con.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_x")
    if kind == "add_column":
        spec = draw(st.sampled_from(["extra TEXT", "extra TEXT AS (upper(id))",
                                     "extra TEXT NOT NULL DEFAULT ''"]))
        return lambda con: con.execute(f"ALTER TABLE {table} ADD COLUMN {spec}")
    if kind == "check":
        check = draw(st.sampled_from(CHECKS))
        return lambda con: _table_sql(con, table, "PRIMARY KEY (id)",
                                      f"CHECK ({check}), PRIMARY KEY (id)")
    if kind == "not_null":
        return lambda con: _table_sql(con, table, f"{column} TEXT NOT NULL", f"{column} TEXT")
    if kind == "default":
        return lambda con: _table_sql(con, table, f"{column} TEXT NOT NULL",
                                      f"{column} TEXT DEFAULT (hex(randomblob(99))) NOT NULL")
    if kind == "text":
        value = draw(st.text(max_size=200))
        return lambda con: con.execute(f"UPDATE {table} SET {column} = ?", (value,))
    if kind == "huge":
        # Mostly large but allowed; now and then past the 16 MB bound (slower to write).
        size = draw(st.sampled_from([100_000] * 4 + [17 * 1024 * 1024]))
        return lambda con: con.execute(
            f"UPDATE {table} SET {column} = CAST(zeroblob({size}) AS TEXT) "
            f"WHERE rowid = (SELECT min(rowid) FROM {table})")
    if kind in ("wrong_type", "odd_value"):
        table, column, holds = draw(st.sampled_from([
            ("opportunities", "eligible_users_base", "number"),
            ("opportunities", "adoption_target_low", "number"),
            ("routes", "share_base", "number"), ("project", "discount_rate", "number"),
            ("project", "horizon_years", "number"), ("criteria", "higher_is_better", "number"),
            ("opportunities", "status", "text"), ("opportunities", "name", "text"),
            ("opportunities", "adoption_target_dist", "text")]))
        # (SQLite turns a number written to a text column into text: an odd value, not a
        # wrong type.)
        if kind == "odd_value":
            values: list[Any] = [-1, 1e308, 2**62, 0.5] if holds == "number" else [
                "", "pert ", 7, 2.5]
        else:
            values = ["lots", b"\x00\x01", float("inf"), None] if holds == "number" else [
                b"\x00", b"", None]
        value = draw(st.sampled_from(values))
        return lambda con: con.execute(f"UPDATE {table} SET {column} = ?", (value,))
    if kind == "dangling":
        link = draw(st.sampled_from([("opportunities", "decision_id"),
                                     ("opportunities", "unit_model_id"),
                                     ("decisions", "chosen_option_id"),
                                     ("routes", "unit_model_id")]))
        return lambda con: con.execute(f"UPDATE {link[0]} SET {link[1]} = 'nowhere'")
    if kind == "delete":
        victim = draw(st.sampled_from(["project", "alembic_version", "routes", "options",
                                       "criteria", "opportunities", "unit_models"]))
        return lambda con: con.execute(f"DELETE FROM {victim}")
    if kind == "deep_view":
        depth = draw(st.sampled_from([50, 1000, 100_000]))
        sql = "CREATE VIEW deep AS SELECT " + "(" * depth + "1" + ")" * depth

        def deep(con: sqlite3.Connection) -> None:
            con.execute("PRAGMA writable_schema = ON")
            con.execute("INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) "
                        "VALUES ('view', 'deep', 'deep', 0, ?)", (sql,))
            con.execute("PRAGMA writable_schema = OFF")

        return deep
    count = draw(st.integers(2, 60))

    def tower(con: sqlite3.Connection) -> None:
        con.execute("CREATE VIEW v0 AS SELECT * FROM opportunities")
        for n in range(1, count):
            con.execute(f"CREATE VIEW v{n} AS SELECT * FROM v{n - 1} WHERE id > ''")

    return tower


@st.composite
def header_trick(draw: Any) -> Callable[[bytearray], None]:
    field = draw(st.sampled_from(["page_size", "reserved", "fractions", "page_count",
                                  "schema_format", "encoding", "user_version", "freelist"]))
    if field == "page_size":
        value = draw(st.sampled_from([1, 512, 1024, 2048, 8192, 16384, 32768, 4096 + 512]))
        return lambda data: data.__setitem__(slice(16, 18), struct.pack(">H", value))
    if field == "reserved":
        value = draw(st.integers(1, 255))
        return lambda data: data.__setitem__(20, value)
    if field == "fractions":
        values = draw(st.binary(min_size=3, max_size=3))
        return lambda data: data.__setitem__(slice(21, 24), values)
    if field == "page_count":
        value = draw(st.sampled_from([0, 1, 2, 10**6, 2**32 - 1]))
        return lambda data: data.__setitem__(slice(28, 32), struct.pack(">I", value))
    if field == "schema_format":
        value = draw(st.sampled_from([0, 1, 2, 3, 5, 2**31]))
        return lambda data: data.__setitem__(slice(44, 48), struct.pack(">I", value))
    if field == "encoding":
        value = draw(st.sampled_from([0, 2, 3, 4]))
        return lambda data: data.__setitem__(slice(56, 60), struct.pack(">I", value))
    if field == "user_version":
        value = draw(st.sampled_from([0, 1, 3, 2**31]))
        return lambda data: data.__setitem__(slice(60, 64), struct.pack(">I", value))
    value = draw(st.sampled_from([1, 2, 10**6]))
    return lambda data: data.__setitem__(slice(32, 36), struct.pack(">I", value))


def _edited(original: bytes, edits: list[Edit],
            restamp: bool, trick: Callable[[bytearray], None] | None) -> bytes:
    """Apply ``edits`` with SQLite to a copy of ``original``; the edited file's bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copy.aiplan"
        path.write_bytes(original)
        con = sqlite3.connect(path, isolation_level=None)
        # An edit SQLite would labour over (rewriting nested views, say) is given up.
        deadline = time.monotonic() + 2
        con.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
        try:
            for _kind, change in edits:
                try:
                    change(con)
                except sqlite3.Error:
                    pass  # an edit SQLite refuses is simply not made
            if restamp:
                try:
                    con.execute("UPDATE project SET content_digest = ?", (content_digest(con),))
                except (sqlite3.Error, UnicodeDecodeError):
                    pass
        finally:
            con.close()
        data = bytearray(path.read_bytes())
    if trick is not None:
        trick(data)
    return bytes(data)


def _edit_cases(templates: dict[str, bytes], count: int) -> Callable[[], None]:
    @settings(max_examples=count, **CI_SETTINGS)
    @given(name=st.sampled_from(["sample", "small"]),
           edits=st.lists(edit(), min_size=0, max_size=2),
           restamp=st.booleans() | st.just(True),
           trick=st.none() | st.none() | header_trick())
    def run(name: str, edits: list[Edit], restamp: bool,
            trick: Callable[[bytearray], None] | None) -> None:
        _open_property(_edited(templates[name], edits, restamp, trick))

    return run


def test_schema_and_value_edits(templates: dict[str, bytes]) -> None:
    _edit_cases(templates, 350)()


@pytest.mark.slow
def test_schema_and_value_edits_many(templates: dict[str, bytes]) -> None:
    _edit_cases(templates, 5_000)()


def test_the_templates_themselves_open(templates: dict[str, bytes]) -> None:
    # The starting points are sound, so every refusal above comes from the damage.
    assert [_open_property(data) for data in templates.values()] == [True, True]
    assert _open_property(_edited(templates["sample"], [], True, None))  # a re-stamp alone


# --- damaged JSON exports: read and validated, or refused plainly ------------------------

# Text that strains a JSON reader: quotes, escapes, brackets, a repeated key, a BOM.
json_splice = st.sampled_from([b'"', b"\\", b'\\"', b"[", b"]", b"{", b"}", b",", b":",
                               b'"id": "x", "id": ', b"\xef\xbb\xbf", b"\\u0000", b"1e999", b"NaN"])
json_damage = st.one_of(
    st.tuples(st.just("run"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1, exclude_max=True),
              st.lists(json_splice, min_size=1, max_size=4).map(b"".join)),
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True), st.just(False)),
)


def _json_property(data: bytes) -> None:
    """A JSON file: read and validated, or refused in one plain sentence; never changed."""
    with tempfile.TemporaryDirectory() as folder_name:
        path = Path(folder_name) / "plan.json"
        path.write_bytes(data)
        try:
            interchange.validate(interchange.read_json(path), path)
            _tally("json valid")
        except errors.InvalidProjectDataError as exc:
            _assert_plain(exc, path)
            _tally("json refused")
        assert path.read_bytes() == data


def test_damaged_json_exports() -> None:
    sound = interchange.dumps(interchange.sample_data()).encode()

    @settings(max_examples=300, **CI_SETTINGS)
    @given(damages=st.lists(json_damage, min_size=1, max_size=3))
    def run(damages: list[Damage]) -> None:
        _json_property(_damaged(sound, damages))

    run()


# --- hostile JSON: each finishes, refused in one sentence --------------------------------


def _log_of(entries: int) -> bytes:
    """The sample with a decision log of ``entries`` tiny entries (3 million: about 50 MB)."""
    data = interchange.sample_data()
    data["decision_log"] = []
    head, tail = json.dumps(data).split('"decision_log": []')
    entry = b'{"id":"x"}'
    return head.encode() + b'"decision_log": [' + b",".join([entry] * entries) + b"]" + tail.encode()


#: name -> (the file's bytes, words the refusal says). Before a linear scan, the escaped quotes
#: took 28 s (40,000) and 98 s (160 KB); the 3-million-entry log was accepted after 39 s with a
#: 1.2 GB peak (and an import grew past 8 GB).
HOSTILE_JSON: dict[str, tuple[Callable[[], bytes], str]] = {
    "40,000 escaped quotes": (lambda: b'\\"' * 40_000, "not valid JSON"),
    "160 KB of escaped quotes": (lambda: b'\\"' * 80_000, "not valid JSON"),
    "escaped quotes in a key": (
        lambda: b'{"' + b'\\"' * 80_000 + b'": ' + b"[" * 100_000, "nested more than 64 levels"),
    "nested 100,000 deep": (
        lambda: b'{"format": "aiplan", "project": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "nested more than 64 levels"),
    "3 million log entries": (lambda: _log_of(3_000_000), "more than 250,000 objects and lists"),
}


@pytest.mark.parametrize("name", HOSTILE_JSON)
def test_hostile_json_finishes_refused_in_one_sentence(name: str, tmp_path: Path) -> None:
    build, words = HOSTILE_JSON[name]
    source = tmp_path / "hostile.json"
    source.write_bytes(build())
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    target = tmp_path / "plan.aiplan"
    # A process of its own, whose generous timeout is the bound: timed only as "finishes".
    for args in (("check", source), ("import-json", source, target)):
        line = _one_line_error(aiplan(*args, process=True))
        assert "“hostile.json”" in line and words in line and line.endswith(".")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.json"]
    assert list(paths.working_dir().iterdir()) == []
