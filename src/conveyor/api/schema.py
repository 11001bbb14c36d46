"""API tables: admin users and access tokens (assembled with the others by conveyor.schema).

Only a SHA-256 of each token is stored, so a leaked database does not leak working credentials; a token is
shown once, when it is issued. Passwords are scrypt hashes (``conveyor.api.auth``).
"""

from __future__ import annotations

import sqlalchemy as sa

from conveyor.db.metadata import Epoch, metadata

admin_user_table = sa.Table(
    "admin_user",
    metadata,
    sa.Column("user_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(40), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", Epoch, nullable=False),
)

api_token_table = sa.Table(
    "api_token",
    metadata,
    sa.Column("token_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),  # admin | integration
    sa.Column("name", sa.String(191), nullable=False),  # the integration's name, or the admin's username
    sa.Column("user_id", sa.Integer, sa.ForeignKey("admin_user.user_id", ondelete="CASCADE"), nullable=True),
    sa.Column("created_at", Epoch, nullable=False),
    sa.Column("expires_at", Epoch, nullable=True),  # admin tokens only; integration tokens last until revoked
    sa.Column("resources", sa.Text, nullable=True),  # integration tokens: a JSON array of ACL resources; NULL: all
    sa.Index(None, "kind", "name"),
)

# Failed admin logins per username, known or not (an unknown name locks alike, so a lock tells nothing about which
# names exist), as Magento's ``oauth_token_request_log``: ``failures`` count while ``lock_expires_at`` is ahead,
# and each failure moves it to now + the lockout period; at the configured number of failures the name is locked
# until then. A success (or ``conveyor user unlock``) deletes the row; expired rows are deleted as failures come.
admin_login_failure_table = sa.Table(
    "admin_login_failure",
    metadata,
    sa.Column("username", sa.String(191), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("lock_expires_at", Epoch, nullable=False),
    sa.Index("ix_admin_login_failure_lock_expires_at", "lock_expires_at"),
)

# Admin login attempts per client address in the last window (the login throttle's sliding window); rows older
# than the longest window are deleted as attempts come.
admin_login_attempt_table = sa.Table(
    "admin_login_attempt",
    metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client", sa.String(64), nullable=False),
    sa.Column("at", Epoch, nullable=False),
    sa.Index("ix_admin_login_attempt_client_at", "client", "at"),
    sa.Index("ix_admin_login_attempt_at", "at"),
)
