"""The shared ledger on a PostgreSQL server, beside the local SQLite file.

url: telling a PostgreSQL URL from a file path, connecting with Chinese errors, the ledger's role names.
schema: the tables (SQLite schema v5, in PostgreSQL), the audit guards, the trigram search indexes.
access: the owner and group roles, privileges, row-level security, and the people (users add/list/remove).
setup: ``init`` of an empty database. transfer: ``push`` a file ledger up, ``pull`` a file down.
backup: pg_dump / pg_restore of a shared ledger. psycopg is imported lazily, inside functions.
"""
