"""An admin's or officer's bulk step on a shared ledger, run by the tables' owner (schema v7): as fast as the
owner's own import, with the caller's row-level security.

Why: a large import's cost is the indexes (two trigram GIN indexes most of it) and the foreign keys, maintained
row by row (100k new firms: 70 s) unless they are dropped and rebuilt after the rows (26 s); only the tables'
owner may drop an index or ANALYZE (PostgreSQL 15), and the people's logins do not own the tables
(db/pg/access.py). So the owner does it for them, in SECURITY DEFINER functions made by the schema migration v7:

- ``xingtu_bulk_stage(what)`` makes the session's staging table (a TEMP table of the *owner*, ON COMMIT DROP,
  the columns of the real table but the server-set ones) and grants the caller (SESSION_USER) INSERT on it, so
  the client COPYs its rows in (db/pg/copy.py). The staging is the owner's, not the caller's: a table the caller
  made could be a view, carry a policy or inherit from one, each running the caller's SQL as the owner; here the
  caller can only add rows to it (no ALTER, no trigger, no DROP: not theirs).
- ``xingtu_bulk_insert(what, batch, stamp)`` does the whole step in ONE statement: for a batch at least as large
  as the table (db/bulk.py ``is_bulk``: BULK rows and as many as the table holds) and when every lock is free
  now (NOWAIT, as db/pg/copy.py ``suspend``), drop the secondary indexes and foreign keys, INSERT … SELECT from
  the staging, drop it, ANALYZE (first: the keys' checks are then planned for the new rows; 100k firms' two
  keys about 1 s without statistics, 0.05 s with), build the indexes back, add the keys back (checked by one
  join each); otherwise the
  INSERT … SELECT with the indexes kept, and ANALYZE when the server's own autovacuum rule asks for it (below).
  The rows go in the order they were staged (the client copies them in id order), not sorted again: 100k firms'
  sort spilled 36 MB to disk (work_mem), 0.08 s of the firms' step and 0.06 s of the designations' (schema v9).
  Being one statement, no caller can commit with the indexes or keys missing: a failure, a cancel or a rollback
  takes back the drop with the rows.

One function over two (suspend, then restore) for that reason; and the staging made by the function over the
caller's own table granted to the owner, for the reason above (checked again by ``xingtu_bulk_insert``: the
staging must be a plain temporary table of this session owned by the owner).

Security:
- Who: EXECUTE (the three functions) only for the ledger's admin and officer groups (REVOKE from PUBLIC, db/pg/access.py
  ``bulk_access``), and each function checks again that SESSION_USER is an admin or officer in app_users.
- Which rows: inside a SECURITY DEFINER function current_user is the owner, so the people's policies (keyed on
  current_user) would not name the caller. The owner gets an INSERT policy on firms and on designations
  (db/pg/access.py ``bulk_access``) that is the people's write rule (FIRM_WRITE, CHILD_WRITE) for SESSION_USER,
  the login that connected (as ``xingtu_other_street_firms`` already does). The owner never logs in and its
  other functions insert into neither table, so the policy only ever admits what the caller may write: an
  officer's row of another street fails the whole statement, as on the direct path. The constraints, the
  NOTIFY triggers and the keys' checks apply as to any insert.
- No SQL from outside: the table is chosen by comparing *what* with constants; every identifier or definition
  pasted in comes from the server's catalog (the owner's own tables, indexes, keys: %I, regclass text,
  pg_get_indexdef / pg_get_constraintdef); batch and stamp are parameters (USING). Nothing read from meta.
  ``SET search_path = pg_catalog, public, pg_temp``: pg_temp last, so a temporary table of the caller named
  like a ledger table never stands in for it (the staging is always named pg_temp.<…> explicitly: this
  session's own temporary schema, never another session's).

ANALYZE after a bulk step (always after a rebuild; otherwise when due): the server here runs with autovacuum off,
and a street query planned on the statistics of an empty table took 138 s after a 100k import. "Due" is
autovacuum's own rule, read from the server's settings: the rows changed since the table's last ANALYZE
(pg_stat n_mod_since_analyze, committed) plus this batch reach autovacuum_analyze_threshold (50) +
autovacuum_analyze_scale_factor (0.1) × the rows the table held: what autovacuum would have done, so small
officer imports add up to an ANALYZE at the same point, and a 20-row import into a million firms costs nothing.
The rest of an import (its updated firms, what each matched row asserted: batch_rows) is not a bulk step:
``xingtu_bulk_analyze(what, changed)`` applies the same rule at the import's end (db/bulk.py ``analyze_touched``)
to one of the import's tables (ANALYZED, compared with constants; NULL refused: never a bare ANALYZE), counting
the rows the import changed (*changed*: the client's count can only bring an ANALYZE forward, nothing else),
skipping a table its bulk step analysed already. An ANALYZE samples at most 30,000 rows (its cost does not grow
with the table: 0.3-1 s on firms); when due it is SKIP_LOCKED (another session's ANALYZE of the table holds its
lock until that transaction ends: this import then leaves it to that one, or to the next, instead of waiting).
Why autovacuum's rule and not "every import": on a million firms each officer's 20-row list would pay 0.5 s and
serialise on that lock; why not "this batch alone against 10 %": a run of small imports would never get one.
"""
from __future__ import annotations

VERSION = 7         # the shared schema version that makes these functions (db/pg/schema.py MIGRATIONS)
MOVED_AS_STAGED = 9  # the version whose xingtu_bulk_insert moves the rows in the order staged (no sort)
BULK = 500          # db/bulk.py BULK (the file's rule: checked equal by tests/pg/test_bulk_load.py)
STAGING = {"firms": "pg_temp.xingtu_bulk_firms", "designations": "pg_temp.xingtu_bulk_designations"}
FUNCTIONS = "xingtu_bulk_stage(text), xingtu_bulk_insert(text, bigint, text), xingtu_bulk_analyze(text, bigint)"
# the tables an import writes in volume, which xingtu_bulk_analyze may analyse
ANALYZED = ("firms", "designations", "firm_aliases", "batch_rows")

_CALLER = """
    IF NOT EXISTS (SELECT 1 FROM public.app_users WHERE login = session_user AND role IN ('admin', 'officer')) THEN
        RAISE EXCEPTION '只有管理员和专员可以导入' USING ERRCODE = 'insufficient_privilege';
    END IF;"""

STAGE = f"""
CREATE OR REPLACE FUNCTION xingtu_bulk_stage(what text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN{_CALLER}
    IF what = 'firms' THEN
        DROP TABLE IF EXISTS pg_temp.xingtu_bulk_firms;
        CREATE TEMP TABLE xingtu_bulk_firms (LIKE public.firms INCLUDING DEFAULTS) ON COMMIT DROP;
        ALTER TABLE pg_temp.xingtu_bulk_firms DROP COLUMN batch_id, DROP COLUMN created_at,
            DROP COLUMN updated_at, DROP COLUMN deleted_at;
        GRANT INSERT ON pg_temp.xingtu_bulk_firms TO SESSION_USER;
    ELSIF what = 'designations' THEN
        DROP TABLE IF EXISTS pg_temp.xingtu_bulk_designations;
        CREATE TEMP TABLE xingtu_bulk_designations (LIKE public.designations INCLUDING DEFAULTS) ON COMMIT DROP;
        ALTER TABLE pg_temp.xingtu_bulk_designations DROP COLUMN source, DROP COLUMN batch_id,
            DROP COLUMN created_at, DROP COLUMN deleted_at;
        GRANT INSERT ON pg_temp.xingtu_bulk_designations TO SESSION_USER;
    ELSE
        RAISE EXCEPTION '不能批量导入表“%”', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
"""

# the steps of xingtu_bulk_insert, in plpgsql (one function: see the module's notes)
INSERT = f"""
CREATE OR REPLACE FUNCTION xingtu_bulk_insert(what text, batch bigint, stamp text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    tbl regclass;
    staging regclass;
    server_set text;
    server_values text;
    n bigint;
    existing bigint;
    held double precision;
    changed bigint;
    rebuild boolean;
    analyzed boolean := false;
    cols text;
    referred regclass;
    idx_names text[];
    idx_defs text[];
    key_names text[];
    key_defs text[];
    k integer;
    t timestamptz := clock_timestamp();
    timings jsonb := '{{}}';
BEGIN{_CALLER}
    IF what = 'firms' THEN
        tbl := 'public.firms'::regclass;
        staging := to_regclass('{STAGING["firms"]}');
        server_set := 'batch_id, created_at, updated_at';
        server_values := '$1, $2, $2';
    ELSIF what = 'designations' THEN
        tbl := 'public.designations'::regclass;
        staging := to_regclass('{STAGING["designations"]}');
        server_set := 'source, batch_id, created_at';
        server_values := '''import'', $1, $2';
    ELSE
        RAISE EXCEPTION '不能批量导入表“%”', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF staging IS NULL OR NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = staging AND c.relkind = 'r'
            AND c.relpersistence = 't' AND c.relowner = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user)
            AND NOT c.relhassubclass AND NOT c.relrowsecurity) THEN
        RAISE EXCEPTION '没有本会话的导入暂存表（先调用 xingtu_bulk_stage）'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE format('SELECT count(*) FROM %s', staging) INTO n;
    SELECT greatest(c.reltuples, 0), coalesce(pg_stat_get_mod_since_analyze(c.oid), 0) INTO held, changed
        FROM pg_class c WHERE c.oid = tbl;
    rebuild := n >= {BULK};
    IF rebuild THEN                 -- as many rows as the table holds: counted up to n + 1 only (a small batch
        EXECUTE format('SELECT count(*) FROM (SELECT FROM %s LIMIT $1) x', tbl) INTO existing USING n + 1;
        rebuild := n >= existing;   -- into a million firms never counts them)
    END IF;
    IF rebuild THEN                 -- every lock now or none: never a wait, so never a deadlock with a writer
        BEGIN
            EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE NOWAIT', tbl);
            FOR referred IN SELECT DISTINCT fk.confrelid::regclass FROM pg_constraint fk
                    WHERE fk.conrelid = tbl AND fk.contype = 'f' AND fk.confrelid <> tbl LOOP
                EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE NOWAIT', referred);
            END LOOP;
        EXCEPTION WHEN lock_not_available THEN
            rebuild := false;
        END;
    END IF;
    IF rebuild THEN
        SELECT coalesce(array_agg(i.indexrelid::regclass::text ORDER BY c.relname), '{{}}'),
               coalesce(array_agg(pg_get_indexdef(i.indexrelid) ORDER BY c.relname), '{{}}')
            INTO idx_names, idx_defs
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = tbl AND NOT i.indisprimary AND NOT i.indisunique
            AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid);
        SELECT coalesce(array_agg(x.conname::text ORDER BY x.conname), '{{}}'),
               coalesce(array_agg(pg_get_constraintdef(x.oid) ORDER BY x.conname), '{{}}')
            INTO key_names, key_defs
            FROM pg_constraint x WHERE x.conrelid = tbl AND x.contype = 'f';
        FOR k IN 1 .. cardinality(idx_names) LOOP
            EXECUTE format('DROP INDEX %s', idx_names[k]);
        END LOOP;
        FOR k IN 1 .. cardinality(key_names) LOOP
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tbl, key_names[k]);
        END LOOP;
    END IF;
    SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) INTO cols FROM pg_attribute a
        WHERE a.attrelid = staging AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format('INSERT INTO %s (%s, %s) SELECT %s, %s FROM %s', tbl, cols, server_set, cols,
                   server_values, staging) USING batch, stamp;
    EXECUTE format('DROP TABLE %s', staging);
    timings := timings || jsonb_build_object('insert_s', extract(epoch FROM clock_timestamp() - t));
    t := clock_timestamp();
    IF rebuild THEN                 -- the statistics first: the keys' checks are then planned for the rows
        EXECUTE format('ANALYZE %s', tbl);
        analyzed := true;
        timings := timings || jsonb_build_object('analyze_s', extract(epoch FROM clock_timestamp() - t));
        t := clock_timestamp();
        FOR k IN 1 .. cardinality(idx_defs) LOOP
            EXECUTE idx_defs[k];
        END LOOP;
        timings := timings || jsonb_build_object('indexes_s', extract(epoch FROM clock_timestamp() - t));
        t := clock_timestamp();
        FOR k IN 1 .. cardinality(key_names) LOOP
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tbl, key_names[k], key_defs[k]);
        END LOOP;
        timings := timings || jsonb_build_object('keys_s', extract(epoch FROM clock_timestamp() - t));
    ELSIF n + changed >= current_setting('autovacuum_analyze_threshold')::bigint
            + current_setting('autovacuum_analyze_scale_factor')::double precision * held THEN
        EXECUTE format('ANALYZE (SKIP_LOCKED) %s', tbl);
        analyzed := true;
    END IF;
    IF NOT rebuild THEN
        timings := timings || jsonb_build_object('analyze_s', extract(epoch FROM clock_timestamp() - t));
    END IF;
    RETURN timings || jsonb_build_object('rows', n, 'rebuilt', rebuild, 'analyzed', analyzed);
END $$;
"""

# the rest of an import's volume (updated firms, what each row asserted, former names): autovacuum's rule at the
# end of the import, for the rows it changed (*changed*) and those committed since the last ANALYZE
ANALYZE = f"""
CREATE OR REPLACE FUNCTION xingtu_bulk_analyze(what text, changed bigint) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    tbl regclass;
    held double precision;
    since bigint;
BEGIN{_CALLER}
    IF what IS NULL OR NOT what = ANY (ARRAY{list(ANALYZED)!r}::text[]) THEN   -- NULL: never a bare ANALYZE
        RAISE EXCEPTION '不能分析表“%”', what USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT c.oid, greatest(c.reltuples, 0), coalesce(pg_stat_get_mod_since_analyze(c.oid), 0)
        INTO tbl, held, since FROM pg_class c WHERE c.oid = to_regclass('public.' || what);
    IF greatest(changed, 0) + since < current_setting('autovacuum_analyze_threshold')::bigint
            + current_setting('autovacuum_analyze_scale_factor')::double precision * held THEN
        RETURN false;
    END IF;
    EXECUTE format('ANALYZE (SKIP_LOCKED) %s', tbl);
    RETURN true;
END $$;
"""

V7 = STAGE + INSERT + ANALYZE
