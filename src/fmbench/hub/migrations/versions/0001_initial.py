"""Initial hub schema: users, tokens, submissions, hub_state.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("is_maintainer", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("hash", sa.String(300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("eval_id", sa.String(200), nullable=False, unique=True),
        sa.Column("digest", sa.String(80), nullable=False, unique=True),
        sa.Column("benchmark_id", sa.String(200), nullable=False),
        sa.Column("model_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("submitter_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
    )
    for col in ("benchmark_id", "model_id", "status", "submitter_id"):
        op.create_index(f"ix_submissions_{col}", "submissions", [col])
    state = op.create_table(
        "hub_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("accepted_version", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(state, [{"id": 1, "accepted_version": 0}])


def downgrade() -> None:
    op.drop_table("hub_state")
    op.drop_table("submissions")
    op.drop_table("tokens")
    op.drop_table("users")
