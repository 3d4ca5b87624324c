"""Database-side guards that migrations install, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any


def append_only(op: Any, table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` in the database itself, whoever connects."""
    message = f"{table} is append-only"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{message}'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def drop_append_only(op: Any, table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    else:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


def change_check_in_place(
    op: Any, table: str, column: str, before: str, after: str, *, validate: bool = True
) -> None:
    """Change the values ``table.column``'s CHECK constraint (``ck_{table}_{column}``) allows
    from the list ``before`` to ``after`` (SQL literals: ``'a', 'b'``).

    On SQLite the table's stored definition is edited in place (the procedure SQLite's
    documentation gives for changing a CHECK constraint): copying the whole table, as a batch
    migration would, costs as long as the table is large, cannot drop a table other rows refer
    to while foreign keys are enforced, and would lose an append-only table's triggers. Rows
    already written are not checked again. On PostgreSQL the constraint is made anew;
    ``validate=False`` (narrowing, in a downgrade) checks new rows only, like SQLite's edit.
    """
    constraint = f"ck_{table}_{column}"
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {constraint} "
            f"CHECK ({column} IN ({after})){'' if validate else ' NOT VALID'}"
        )
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if sql.count(f"IN ({before})") != 1:
        raise RuntimeError(f"{table}: the CHECK constraint {constraint} is not as expected")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(f"IN ({before})", f"IN ({after})"), table),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")
