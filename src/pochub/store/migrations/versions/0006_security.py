"""security: gateways, tokens, throttling, audit hardening

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Gateway kind and signing secret on users, the client address on audit entries, and an audit log that
    refuses TRUNCATE (PostgreSQL) and the replacement of an entry (SQLite's INSERT OR REPLACE)."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gateway_kind", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("gateway_secret", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("audit_log", schema=None) as batch_op:  # adds in place: its triggers stay
        batch_op.add_column(sa.Column("client", sa.String(length=64), server_default="", nullable=False))
        batch_op.create_index("ix_audit_log_client_action_at", ["client", "action", "at"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # REPLACE deletes the old row without firing DELETE triggers (recursive triggers are off): refuse the
        # insert itself when its id is taken
        op.execute(
            "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
            "WHEN EXISTS (SELECT 1 FROM audit_log WHERE audit_id = NEW.audit_id) "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_replace")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_client_action_at")
        batch_op.drop_column("client")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("gateway_secret")
        batch_op.drop_column("gateway_kind")
    if op.get_bind().dialect.name == "sqlite":  # dropping a column copied audit_log: 0004's triggers again
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
