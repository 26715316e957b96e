"""Server-side browser sessions and the review history.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("id_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reviews_submission_id", "reviews", ["submission_id"])
    # earlier reviews: the last decision of each reviewed submission is all that was kept
    op.execute(
        "INSERT INTO reviews (submission_id, reviewer_id, decision, reason, at) "
        "SELECT id, reviewer_id, CASE status WHEN 'accepted' THEN 'accept' ELSE 'reject' END, reason, "
        "reviewed_at "
        "FROM submissions WHERE reviewer_id IS NOT NULL AND reviewed_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("reviews")
    op.drop_table("sessions")
