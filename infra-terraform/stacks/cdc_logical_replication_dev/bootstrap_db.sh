#!/usr/bin/env bash
# Creates (or updates) the replication user the CDC runner connects as, and grants it exactly what the
# runner needs. Idempotent: run it as often as you like; Terraform runs it after creating the RDS
# instance and again when one of its inputs changes.
#
# Input, from the environment only (never from arguments, so that no secret shows up in `ps`):
#   PGHOST, PGPORT (5432), PGDATABASE   where to connect
#   PGUSER, PGPASSWORD                  the master user (an rds_superuser on RDS, a superuser locally)
#   REPLICATION_USERNAME                the user to create, e.g. cdc_replication
#   REPLICATION_PASSWORD                its password
#   PGSSLMODE                           libpq sslmode, default require (verify-full with PGSSLROOTCERT
#                                       pointing at the RDS CA bundle checks the server certificate too)
#   PSQL_MODE                           auto (default): Docker's postgres image when a Docker daemon
#                                       answers, the native psql otherwise; docker or native forces one
#   OFFSETS_SCHEMA                      schema the user may create tables in (default cdc)
#   PSQL_DOCKER_IMAGE                   image for PSQL_MODE=docker (default postgres:15-alpine)
#   PSQL_DOCKER_NETWORK                 docker network (default: host for a loopback PGHOST, else bridge)
#   PUBLICATION_NAME, PUBLICATION_TABLES
#                                       optional, for the runner's decoder=pgoutput when it may not
#                                       create the publication itself (publication.create=false): the
#                                       publication, FOR TABLE exactly PUBLICATION_TABLES (comma-separated
#                                       schema.table, lowercase); created, or set to these tables if it
#                                       exists. The master user must own the tables.
#   CONNECT_ATTEMPTS, CONNECT_RETRY_SECONDS
#                                       retries while the new instance's DNS name or port is not
#                                       reachable yet (default 30 x 10 s); other errors fail at once
#
# What the replication user gets, and why:
#   LOGIN PASSWORD            it logs in with a password (scram-sha-256 on PostgreSQL 14+).
#   rds_replication           on RDS, membership in this role is what allows replication connections
#     (or REPLICATION)        and creating/dropping logical slots; RDS does not let the master user
#                             set the REPLICATION attribute. Elsewhere (no rds_replication role) the
#                             REPLICATION attribute does the same. wal2json needs nothing more: logical
#                             decoding does not check table privileges.
#   CONNECT on the database   to open both its normal and its replication connection to PGDATABASE.
#   pg_monitor                the runner's preflight and lag metrics read pg_replication_slots,
#                             pg_current_wal_lsn() and pg_stat_replication / pg_stat_activity; without
#                             pg_monitor the last two hide other users' sessions (e.g. which process
#                             holds the slot). pg_monitor is read-only.
#   USAGE, CREATE on schema   the runner keeps its offsets (offset.storage=postgres) in its default table
#                             OFFSETS_SCHEMA.cdc_runner_offsets (cdc.cdc_runner_offsets), which it creates
#     OFFSETS_SCHEMA          itself; the schema is owned by the master user, the table by the runner.
#   SELECT on PUBLICATION_TABLES  only with PUBLICATION_NAME: pgoutput's initial snapshot reads the
#                             tables (Debezium's snapshot.mode=initial).
# It gets no SELECT on other application tables (logical decoding does not need it) and no superuser,
# CREATEDB or CREATEROLE.
#
# No password is ever printed: the replication password reaches psql on stdin, psql runs with terse
# error verbosity, and every line of output passes a filter that masks both passwords anyway.
set -euo pipefail

log() { printf '[bootstrap_db] %s\n' "$*"; }
die() { printf '[bootstrap_db] ERROR: %s\n' "$*" >&2; exit 1; }

for v in PGHOST PGDATABASE PGUSER PGPASSWORD REPLICATION_USERNAME REPLICATION_PASSWORD; do
  [ -n "${!v:-}" ] || die "$v is not set"
done

export PGPORT="${PGPORT:-5432}"
export PGSSLMODE="${PGSSLMODE:-require}"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-10}"
export PGAPPNAME="${PGAPPNAME:-cdc-bootstrap-db}"
OFFSETS_SCHEMA="${OFFSETS_SCHEMA:-cdc}"
PSQL_MODE="${PSQL_MODE:-auto}"
PSQL_DOCKER_IMAGE="${PSQL_DOCKER_IMAGE:-postgres:15-alpine}"
CONNECT_ATTEMPTS="${CONNECT_ATTEMPTS:-30}"
CONNECT_RETRY_SECONDS="${CONNECT_RETRY_SECONDS:-10}"

ident_re='^[a-z_][a-z0-9_]{0,62}$'
[[ "$REPLICATION_USERNAME" =~ $ident_re ]] || die "REPLICATION_USERNAME must be a lowercase identifier (letters, digits, _; max 63)"
[[ "$OFFSETS_SCHEMA" =~ $ident_re ]] || die "OFFSETS_SCHEMA must be a lowercase identifier (letters, digits, _; max 63)"
[ "$REPLICATION_USERNAME" != "$PGUSER" ] || die "REPLICATION_USERNAME must differ from PGUSER (the master user)"
PUBLICATION_NAME="${PUBLICATION_NAME:-}"
PUBLICATION_TABLES="${PUBLICATION_TABLES:-}"
want_publication=false
pub_tables=""
if [ -n "$PUBLICATION_NAME" ] || [ -n "$PUBLICATION_TABLES" ]; then
  [[ "$PUBLICATION_NAME" =~ $ident_re ]] || die "PUBLICATION_NAME must be a lowercase identifier (letters, digits, _; max 63)"
  [ -n "$PUBLICATION_TABLES" ] || die "PUBLICATION_TABLES must list the tables (schema.table,...) when PUBLICATION_NAME is set"
  IFS=',' read -ra tables <<<"$PUBLICATION_TABLES"
  for t in "${tables[@]}"; do
    t="${t// /}"
    [[ "$t" =~ ^([a-z_][a-z0-9_]{0,62})\.([a-z_][a-z0-9_]{0,62})$ ]] ||
      die "PUBLICATION_TABLES: '$t' is not a lowercase schema.table name"
    pub_tables="${pub_tables:+$pub_tables, }\"${BASH_REMATCH[1]}\".\"${BASH_REMATCH[2]}\""
  done
  want_publication=true
fi
case "$REPLICATION_PASSWORD" in
  *$'\n'* | *$'\r'*) die "REPLICATION_PASSWORD must not contain line breaks" ;;
esac

# --- how to run psql ---------------------------------------------------------------------------

docker_usable() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

case "$PSQL_MODE" in
  auto)
    if docker_usable; then
      PSQL_MODE=docker
    elif command -v psql >/dev/null 2>&1; then
      PSQL_MODE=native
    else
      die "neither a running Docker daemon nor psql found: install one of them (PSQL_MODE=docker|native forces a choice)"
    fi
    ;;
  docker) docker_usable || die "PSQL_MODE=docker but no Docker daemon answers (docker info failed)" ;;
  native) command -v psql >/dev/null 2>&1 || die "PSQL_MODE=native but psql is not on PATH" ;;
  *) die "PSQL_MODE must be auto, docker or native (got: $PSQL_MODE)" ;;
esac

if [ "$PSQL_MODE" = docker ]; then
  case "$PGHOST" in
    localhost | 127.* | ::1) default_network=host ;;
    *) default_network=bridge ;;
  esac
  docker_args=(run --rm -i --network "${PSQL_DOCKER_NETWORK:-$default_network}")
  # -e NAME without a value copies the variable from this environment: values never appear in arguments.
  for v in PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLMODE PGCONNECT_TIMEOUT PGAPPNAME; do
    docker_args+=(-e "$v")
  done
  if [ -n "${PGSSLROOTCERT:-}" ]; then
    docker_args+=(-v "$PGSSLROOTCERT:/tmp/pgsslrootcert.pem:ro" -e PGSSLROOTCERT=/tmp/pgsslrootcert.pem)
  fi
  docker_args+=("$PSQL_DOCKER_IMAGE" psql)
fi

# psql reading SQL from stdin: no psqlrc, never prompt, stop at the first error, terse errors (no
# statement text in error messages).
psql_raw() {
  local common=(-X -w -q -v ON_ERROR_STOP=1 -v VERBOSITY=terse -v SHOW_CONTEXT=never "$@")
  if [ "$PSQL_MODE" = docker ]; then
    docker "${docker_args[@]}" "${common[@]}"
  else
    psql "${common[@]}"
  fi
}

# Masks both passwords in whatever passes through (read from the environment, not from arguments).
redact() {
  awk '{
    line = $0
    for (k = 1; k <= 2; k++) {
      s = (k == 1) ? ENVIRON["PGPASSWORD"] : ENVIRON["REPLICATION_PASSWORD"]
      if (length(s) < 8) continue  # shorter would mask ordinary words (RDS requires 8+ anyway)
      out = ""
      while ((i = index(line, s)) > 0) { out = out substr(line, 1, i - 1) "********"; line = substr(line, i + length(s)) }
      line = out line
    }
    print line
    fflush()
  }'
}

# --- wait until the server answers -------------------------------------------------------------

log "psql mode: $PSQL_MODE; connecting to $PGHOST:$PGPORT/$PGDATABASE as $PGUSER (sslmode=$PGSSLMODE)"
attempt=1
while :; do
  if out="$(psql_raw -At <<<'SELECT 1;' 2>&1)"; then
    break
  fi
  out="$(printf '%s\n' "$out" | redact)"
  if [ "$attempt" -ge "$CONNECT_ATTEMPTS" ] ||
    ! grep -qiE 'could not connect|could not translate host name|connection refused|timeout expired|name or service not known|no route to host|network is unreachable|the database system is starting up' <<<"$out"; then
    printf '%s\n' "$out" >&2
    die "cannot connect to $PGHOST:$PGPORT/$PGDATABASE (attempt $attempt of $CONNECT_ATTEMPTS)"
  fi
  log "not reachable yet (attempt $attempt of $CONNECT_ATTEMPTS), retrying in ${CONNECT_RETRY_SECONDS}s"
  attempt=$((attempt + 1))
  sleep "$CONNECT_RETRY_SECONDS"
done

# --- the SQL -----------------------------------------------------------------------------------

# psql meta-command quoting of the password: backslash and single quote escaped; :'repl_password'
# then turns it into a correctly quoted SQL literal whatever it contains.
pw_escaped="${REPLICATION_PASSWORD//\\/\\\\}"
pw_escaped="${pw_escaped//\'/\\\'}"

sql() {
  printf '%s\n' "\\set repl_password '$pw_escaped'"
  cat <<'SQL'
SET client_min_messages = warning;

SELECT current_user AS admin_user,
       current_database() AS dbname,
       coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl_on
\gset
\echo [bootstrap_db] connected as :admin_user to :dbname, ssl=:ssl_on

-- The user: created with its password, or its password (re)set.
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'repl_user') AS role_exists \gset
\if :role_exists
ALTER ROLE :"repl_user" WITH LOGIN PASSWORD :'repl_password';
\echo [bootstrap_db] role :repl_user exists: LOGIN and password set
\else
CREATE ROLE :"repl_user" WITH LOGIN PASSWORD :'repl_password';
\echo [bootstrap_db] role :repl_user created
\endif

-- Replication: rds_replication on RDS, the REPLICATION attribute elsewhere.
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication') AS has_rds_replication \gset
\if :has_rds_replication
GRANT rds_replication TO :"repl_user";
\echo [bootstrap_db] granted rds_replication
\else
ALTER ROLE :"repl_user" WITH REPLICATION;
\echo [bootstrap_db] no rds_replication role: set the REPLICATION attribute
\endif

-- Connect to the database (normal and replication connections).
GRANT CONNECT ON DATABASE :"dbname" TO :"repl_user";
\echo [bootstrap_db] granted CONNECT on database :dbname

-- Monitoring views of other sessions, for preflight and lag metrics (read-only).
GRANT pg_monitor TO :"repl_user";
\echo [bootstrap_db] granted pg_monitor

-- A schema for the runner's own tables (its default offset table cdc.cdc_runner_offsets), owned by the master user.
CREATE SCHEMA IF NOT EXISTS :"offsets_schema";
GRANT USAGE, CREATE ON SCHEMA :"offsets_schema" TO :"repl_user";
\echo [bootstrap_db] granted USAGE, CREATE on schema :offsets_schema

-- Optional: the publication for the runner's decoder=pgoutput, exactly the given tables.
\if :want_publication
SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = :'pub_name') AS pub_exists \gset
\if :pub_exists
ALTER PUBLICATION :"pub_name" SET TABLE :pub_tables;
\echo [bootstrap_db] publication :pub_name exists: set to :pub_tables
\else
CREATE PUBLICATION :"pub_name" FOR TABLE :pub_tables;
\echo [bootstrap_db] publication :pub_name created for :pub_tables
\endif
GRANT SELECT ON TABLE :pub_tables TO :"repl_user";
\echo [bootstrap_db] granted SELECT on the published tables (initial snapshot)
\endif

SELECT r.rolname AS user,
       r.rolcanlogin AS login,
       r.rolreplication AS replication_attribute,
       EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
               WHERE g.rolname = 'rds_replication' AND m.member = r.oid) AS rds_replication,
       pg_has_role(r.oid, 'pg_monitor', 'MEMBER') AS pg_monitor
FROM pg_roles r WHERE r.rolname = :'repl_user'
\gset summary_
\echo [bootstrap_db] done: user=:summary_user login=:summary_login replication_attribute=:summary_replication_attribute rds_replication=:summary_rds_replication pg_monitor=:summary_pg_monitor
SQL
}

sql | psql_raw -v "repl_user=$REPLICATION_USERNAME" -v "offsets_schema=$OFFSETS_SCHEMA" \
  -v "want_publication=$want_publication" -v "pub_name=$PUBLICATION_NAME" -v "pub_tables=$pub_tables" 2>&1 | redact
