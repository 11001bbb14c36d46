"""The one MetaData every package adds its tables to, with a naming convention Alembic can diff."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Row ids: 64-bit on servers, but INTEGER on SQLite so that the column is the rowid alias.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Message bodies can be large: LONGBLOB on MariaDB, whose BLOB stops at 64 KiB.
Body = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")
# Long text (errors, JSON properties): LONGTEXT on MariaDB.
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# Timestamps are Unix epoch seconds: comparable and portable across the three dialects.
Epoch: sa.Double[float] = sa.Double()
