"""Files made at an older schema revision, with data in them, open and migrate intact."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Float, Integer, MetaData, create_engine, insert

from app.document import ProjectDocument
from app.projectfile import content_digest, expected_schema, make_engine, schema_objects
from models import migrate
from models.schema import APPLICATION_ID, SCHEMA_VERSION, Base


def _row(table: Any, **values: Any) -> dict[str, Any]:
    """Every NOT NULL column of ``table`` filled with a neutral value, then ``values``."""
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.nullable or column.server_default is not None:
            continue
        if isinstance(column.type, Boolean):
            row[column.name] = True
        elif isinstance(column.type, (Float, Integer)):
            row[column.name] = 0
        else:
            row[column.name] = ""
    row.update(values)
    return row


def make_version_1_file(path: Path) -> None:
    """A project saved by a version 1 app: a plan with a unit model and one route."""
    engine = make_engine(path)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate.upgrade(connection, 1)
        tables = MetaData()
        tables.reflect(connection)
        t = tables.tables
        assert "provider" not in t["routes"].c  # really the old schema
        connection.execute(insert(t["project"]), [_row(
            t["project"], id=1, name="Legacy plan", currency="EUR", horizon_years=4,
            discount_rate=0.12, mc_samples=5000, mc_seed=9)])
        connection.execute(insert(t["unit_models"]), [_row(
            t["unit_models"], id="um-1", name="Copilot cost", revenue_per_task_base=0.4,
            fixed_monthly_base=1500)])
        connection.execute(insert(t["routes"]), [_row(
            t["routes"], id="r-1", unit_model_id="um-1", model="gpt-4o-mini", share_base=1,
            price_in_mtok_base=0.15, price_out_mtok_base=0.6, input_tokens_base=1800,
            input_tokens_low=1200, input_tokens_high=2600, input_tokens_dist="triangular",
            input_tokens_note="Logged prompts, Sept 2026", calls_per_task_base=1)])
        connection.execute(insert(t["opportunities"]), [_row(
            t["opportunities"], id="opp-1", name="Support copilot", status="discovery",
            unit_model_id="um-1", eligible_users_base=420, adoption_target_base=0.35,
            adoption_target_low=0.2, adoption_target_high=0.5, adoption_target_dist="pert",
            success_rate_base=0.8, p_success_base=0.7, impact_base=2, confidence_base=0.8)])
        connection.commit()
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("UPDATE project SET content_digest = ?", (content_digest(raw),))
    engine.dispose()


def test_a_version_1_file_with_data_migrates_on_open(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "legacy.aiplan"
    make_version_1_file(path)
    original = path.read_bytes()
    assert original[60:64] == (1).to_bytes(4, "big")

    with ProjectDocument.open(path) as doc:
        data = doc.to_json()
        assert data["project"]["name"] == "Legacy plan"
        assert data["project"]["horizon_years"] == 4
        route = data["unit_models"][0]["routes"][0]
        assert route["model"] == "gpt-4o-mini" and route["provider"] == ""
        assert route["input_tokens"] == {"base": 1800, "low": 1200, "high": 2600,
                                         "dist": "triangular"}
        assert route["notes"] == {"input_tokens": "Logged prompts, Sept 2026"}
        opp = data["opportunities"][0]
        assert opp["adoption_target"] == {"base": 0.35, "low": 0.2, "high": 0.5, "dist": "pert"}
        assert opp["unit_model_id"] == "um-1"
        # Launch gates came in version 4: an older file has none, and nothing else changes.
        assert (opp["kpis"], opp["launch_checklist"], opp["gate"]) == ([], [], None)
        con = sqlite3.connect(doc.working_path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert schema_objects(con) == expected_schema(SCHEMA_VERSION)
        con.close()
        # The user's file is untouched until they save, and a backup was kept.
        assert path.read_bytes() == original
        backups = list((data_dir / "backups").iterdir())
        assert [b.read_bytes() == original for b in backups] == [True]
        doc.save()

    assert path.read_bytes()[60:64] == SCHEMA_VERSION.to_bytes(4, "big")
    with ProjectDocument.open(path) as doc:
        assert doc.to_json() == data


def without_launch_gates(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as a file of version 3 holds it: no KPI targets, checklists or gate decisions."""
    out = copy.deepcopy(data)
    for o in out["opportunities"]:
        o.update(kpis=[], launch_checklist=[], gate=None)
    return out


def without_conditional_prices(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as a file of version 4 or older holds it: no plan price date, and routes without
    the conditional prices of version 5 (a route with a provider reads as catalog-priced)."""
    out = copy.deepcopy(data)
    out["project"]["price_date"] = ""
    for u in out["unit_models"]:
        for r in u["routes"]:
            r.update(price_source="catalog" if r["provider"] else "manual", price_since="", batch=False,
                     cache_ttl="5m", tiers=[], cache_write_share=0, price_cache_write_mtok=0,
                     reasoning_tokens=0, price_reasoning_mtok=0, price_per_request=0)
            r["notes"] = {k: v for k, v in r["notes"].items() if k not in (
                "cache_write_share", "price_cache_write_mtok", "reasoning_tokens", "price_reasoning_mtok",
                "price_per_request")}
    return out


def make_version_3_file(path: Path, data: dict[str, Any], tmp_path: Path, version: int = 3) -> None:
    """A project saved by a version 3 app (scenarios and correlations, no launch gates), or by
    another older ``version``: the schema its migrations build, holding the rows today's file of
    ``data`` holds (in the columns that version has)."""
    source = tmp_path / "source.aiplan"
    with ProjectDocument.from_data(data) as doc:
        doc.save_as(source)
    engine = make_engine(path)
    with engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        migrate.upgrade(connection, version)
        connection.commit()
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("ATTACH DATABASE ? AS source", (str(source),))
    tables = [r[0] for r in con.execute("SELECT name FROM main.sqlite_master WHERE type = 'table' "
                                        "AND name != 'alembic_version'")]
    assert ("kpis" in tables) == (version >= 4) and "scenarios" in tables  # really that version's schema
    for table in tables:
        columns = ", ".join(f'"{r[1]}"' for r in con.execute(f'PRAGMA main.table_info("{table}")'))
        con.execute(f'INSERT INTO main."{table}" ({columns}) SELECT {columns} FROM source."{table}"')
    con.commit()
    con.execute("DETACH DATABASE source")
    con.execute("UPDATE project SET content_digest = ?", (content_digest(con),))
    con.commit()
    assert schema_objects(con) == expected_schema(version)
    assert con.execute("PRAGMA user_version").fetchone()[0] == version
    con.close()


def test_a_version_3_file_opens_without_launch_gates_and_otherwise_unchanged(
    sample: dict[str, Any], tmp_path: Path, data_dir: Path
) -> None:
    expected = without_conditional_prices(without_launch_gates(sample))
    assert expected["scenarios"] and expected["correlations"]  # what version 3 brought is there
    path = tmp_path / "v3.aiplan"
    make_version_3_file(path, expected, tmp_path)
    original = path.read_bytes()

    with ProjectDocument.open(path) as doc:
        data = doc.to_json()
        assert data == expected
        assert all((o["kpis"], o["launch_checklist"], o["gate"]) == ([], [], None)
                   for o in data["opportunities"])
        con = sqlite3.connect(doc.working_path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"
        assert schema_objects(con) == expected_schema(SCHEMA_VERSION)
        assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("kpis", "launch_checks", "gates")] == [0, 0, 0]
        con.close()
        assert path.read_bytes() == original  # untouched until saved; a backup was kept
        assert [b.read_bytes() == original for b in (data_dir / "backups").iterdir()] == [True]
        doc.save()

    with ProjectDocument.open(path) as doc:
        assert doc.to_json() == expected


def test_migrations_build_exactly_the_schema_new_files_get() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        migrate.upgrade(connection)
        raw = connection.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        assert schema_objects(raw) == expected_schema(SCHEMA_VERSION)
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # and the models hold no column the migrations forgot
    table_columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    migrated = {tuple(name.split(".")) for kind, name, _ in expected_schema(SCHEMA_VERSION)
                if kind == "column"}
    assert table_columns <= migrated


def test_upgrading_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "legacy.aiplan"
    make_version_1_file(path)
    engine = make_engine(path)
    with engine.connect() as connection:
        migrate.upgrade(connection)
        first = path.read_bytes()
        migrate.upgrade(connection)
        assert migrate.current_version(connection) == SCHEMA_VERSION
    engine.dispose()
    assert path.read_bytes() == first


def test_a_version_4_file_opens_with_its_catalog_routes_marked_and_no_conditional_prices(
    sample: dict[str, Any], tmp_path: Path, data_dir: Path
) -> None:
    expected = without_conditional_prices(sample)
    manual = expected["unit_models"][0]["routes"][1]
    manual.update(provider="", price_source="manual")  # a route priced by hand before version 5
    assert any(r["tiers"] for u in sample["unit_models"] for r in u["routes"])  # what version 5 adds
    path = tmp_path / "v4.aiplan"
    make_version_3_file(path, expected, tmp_path, version=4)

    with ProjectDocument.open(path) as doc:
        data = doc.to_json()
        assert data == expected
        sources = [r["price_source"] for u in data["unit_models"] for r in u["routes"]]
        assert sources.count("manual") == 1 and sources.count("catalog") == len(sources) - 1
        con = sqlite3.connect(doc.working_path)
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"
        assert schema_objects(con) == expected_schema(SCHEMA_VERSION)
        con.close()


def test_a_failed_migration_step_leaves_the_copy_at_its_old_version(
    tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "legacy.aiplan"
    make_version_1_file(path)
    from alembic.operations import Operations

    calls = {"n": 0}
    real_add_column = Operations.add_column

    def add_then_fail(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:  # the second ALTER of step 0002 fails half way
            raise RuntimeError("disk went away")
        return real_add_column(self, *args, **kwargs)

    monkeypatch.setattr(Operations, "add_column", add_then_fail)
    engine = make_engine(path)
    with engine.connect() as connection:
        try:
            migrate.upgrade(connection)
        except RuntimeError:
            connection.rollback()
    engine.dispose()
    con = sqlite3.connect(path)
    columns = [r[1] for r in con.execute("PRAGMA table_info(routes)")]
    assert "provider" not in columns  # the first ALTER was rolled back with the step
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    con.close()
