#!/usr/bin/env bash
# Local services for development, tests and CI: PostgreSQL 15 with wal2json, and a Kinesis emulator.
#
#   scripts/local-services.sh up       install what is missing, configure, start (idempotent, quick when up)
#   scripts/local-services.sh down     stop both
#   scripts/local-services.sh status   show what runs; exit 1 if something is down
#   scripts/local-services.sh env      print the environment variables that point at them
#   scripts/local-services.sh restart-kinesis   restart the emulator empty (the benchmark does, before each contender)
#   scripts/local-services.sh create-stream NAME [SHARDS]   create a stream on the emulator (if missing)
#
# Everything binds to 127.0.0.1. The emulators are installed from npm into .services/ (git-ignored),
# where their logs live too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="$ROOT/.services"

PG_VERSION=15
PG_CLUSTER=main
PG_PORT="${CDC_LOCAL_PG_PORT:-5432}"
PG_CONF_DIR="/etc/postgresql/$PG_VERSION/$PG_CLUSTER"
PG_LOCAL_USER=cdc
PG_LOCAL_PASSWORD=cdc
PG_LOCAL_DB=cdc

# HashiCorp's HCL parser (compiled to WebAssembly), for the infra-terraform tests.
HCL2JSON_VERSION=0.21.0
KINESALITE_VERSION=3.3.3
KINESALITE_PORT="${CDC_LOCAL_KINESALITE_PORT:-4567}"
KINESIS_MOCK_VERSION=0.6.2
KINESIS_MOCK_PORT="${CDC_LOCAL_KINESIS_MOCK_PORT:-4568}"
# kinesalite is the default emulator (about 20x faster here); kinesis-mock is opt-in (CDC_KINESIS_MOCK=1).
START_KINESIS_MOCK="${CDC_KINESIS_MOCK:-0}"

log() { printf '[local-services] %s\n' "$*" >&2; }
die() { printf '[local-services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1 what=$2 tries=${3:-100}
  for _ in $(seq "$tries"); do
    port_open "$port" && return 0
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------- PostgreSQL

pg_install() {
  local missing=()
  installed "postgresql-$PG_VERSION" || missing+=("postgresql-$PG_VERSION")
  installed "postgresql-$PG_VERSION-wal2json" || missing+=("postgresql-$PG_VERSION-wal2json")
  installed ssl-cert || missing+=(ssl-cert)
  installed postgresql-client-$PG_VERSION || missing+=("postgresql-client-$PG_VERSION")
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$PG_VERSION $PG_CLUSTER"; then
    log "creating cluster $PG_VERSION/$PG_CLUSTER"
    as_root pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
  fi
}

pg_configure() {
  local conf="$PG_CONF_DIR/conf.d/90-cdc-logical-replication.conf"
  # A self-signed certificate so PGSSLMODE=require is tested locally too.
  if [ ! -s /etc/ssl/private/ssl-cert-snakeoil.key ]; then
    log "generating the self-signed snakeoil certificate"
    as_root make-ssl-cert generate-default-snakeoil --force-overwrite
  fi
  id -nG postgres | grep -qw ssl-cert || as_root usermod -a -G ssl-cert postgres
  local wanted
  wanted=$(cat <<CONF
# Written by scripts/local-services.sh: logical replication for wal2json, loopback only, SSL on.
listen_addresses = '127.0.0.1'
port = $PG_PORT
wal_level = logical
max_replication_slots = 40
max_wal_senders = 40
wal_sender_timeout = 60s
ssl = on
ssl_cert_file = '/etc/ssl/certs/ssl-cert-snakeoil.pem'
ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'
# Throwaway local data: skip fsync for speed. synchronous_commit stays on, so a commit is flushed (and
# visible to logical decoding) when it returns: tests read the WAL right after writing it.
fsync = off
full_page_writes = off
CONF
)
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
    log "writing $conf"
    as_root mkdir -p "$PG_CONF_DIR/conf.d"
    printf '%s\n' "$wanted" | as_root tee "$conf" >/dev/null
    PG_NEEDS_RESTART=1
  fi
  # Debian's include_dir for conf.d is on by default; make sure nothing overrides it.
  grep -qE "^include_dir *= *'conf.d'" "$PG_CONF_DIR/postgresql.conf" || {
    echo "include_dir = 'conf.d'" | as_root tee -a "$PG_CONF_DIR/postgresql.conf" >/dev/null
    PG_NEEDS_RESTART=1
  }
}

pg_running() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -q online; }

pg_start() {
  if pg_running; then
    if [ "${PG_NEEDS_RESTART:-0}" = 1 ]; then
      log "restarting PostgreSQL $PG_VERSION for new settings"
      as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart
    fi
  else
    log "starting PostgreSQL $PG_VERSION"
    as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start
  fi
  wait_port "$PG_PORT" PostgreSQL || die "PostgreSQL did not open 127.0.0.1:$PG_PORT; see /var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log"
}

pg_bootstrap() {
  # The local development role: superuser, so tests can create slots, roles and terminate backends.
  as_postgres psql -p "$PG_PORT" -qAt -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_LOCAL_USER') THEN
    CREATE ROLE $PG_LOCAL_USER LOGIN SUPERUSER REPLICATION PASSWORD '$PG_LOCAL_PASSWORD';
  END IF;
END
\$\$;
SQL
  if ! as_postgres psql -p "$PG_PORT" -qAt -c "SELECT 1 FROM pg_database WHERE datname = '$PG_LOCAL_DB'" | grep -q 1; then
    as_postgres createdb -p "$PG_PORT" -O "$PG_LOCAL_USER" "$PG_LOCAL_DB"
  fi
  local level
  level=$(PGPASSWORD=$PG_LOCAL_PASSWORD psql "host=127.0.0.1 port=$PG_PORT user=$PG_LOCAL_USER dbname=$PG_LOCAL_DB sslmode=require" -qAt -c 'SHOW wal_level')
  [ "$level" = logical ] || die "wal_level is '$level', expected 'logical'"
}

pg_up() {
  pg_install
  PG_NEEDS_RESTART=0
  pg_configure
  pg_start
  pg_bootstrap
  log "PostgreSQL $PG_VERSION with wal2json on 127.0.0.1:$PG_PORT (user $PG_LOCAL_USER, database $PG_LOCAL_DB, SSL on)"
}

pg_down() {
  if pg_running; then as_root pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast; fi
}

# ---------------------------------------------------------------- Kinesis emulators

npm_ensure() {
  local pkg=$1 version=$2 dir="$SERVICES_DIR/npm"
  if [ ! -f "$dir/node_modules/$pkg/package.json" ] || \
     [ "$(node -p "require('$dir/node_modules/$pkg/package.json').version")" != "$version" ]; then
    command -v npm >/dev/null || apt_install nodejs npm
    log "npm install $pkg@$version into .services/npm"
    mkdir -p "$dir"
    [ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
    (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "$pkg@$version" >/dev/null)
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

kinesalite_up() {
  local pidfile="$SERVICES_DIR/kinesalite.pid"
  # Installed even when one is already up: the fault suite starts kinesalites of its own from this checkout's package.
  npm_ensure kinesalite "$KINESALITE_VERSION"
  # Something already answering on the port (ours, or one started from another checkout) is taken as up.
  if port_open "$KINESALITE_PORT"; then return 0; fi
  log "starting kinesalite $KINESALITE_VERSION on 127.0.0.1:$KINESALITE_PORT (log: .services/kinesalite.log)"
  # In memory (no --path), so a restart starts empty; a high shard limit because every test creates its own stream.
  # Through scripts/kinesalite-server.js: kinesalite alone exits when a client disconnects mid-request.
  nohup node "$ROOT/scripts/kinesalite-server.js" "$SERVICES_DIR/npm/node_modules/kinesalite/cli.js" \
    --host 127.0.0.1 --port "$KINESALITE_PORT" \
    --shardLimit 1000 --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 \
    >"$SERVICES_DIR/kinesalite.log" 2>&1 &
  echo $! > "$pidfile"
  wait_port "$KINESALITE_PORT" kinesalite || die "kinesalite did not start; see .services/kinesalite.log"
}

kinesis_mock_up() {
  local pidfile="$SERVICES_DIR/kinesis-mock.pid"
  if port_open "$KINESIS_MOCK_PORT"; then return 0; fi
  npm_ensure kinesis-local "$KINESIS_MOCK_VERSION"
  log "starting kinesis-mock (kinesis-local $KINESIS_MOCK_VERSION) on 127.0.0.1:$KINESIS_MOCK_PORT (log: .services/kinesis-mock.log)"
  # Started from its package folder so it finds server.json.
  (cd "$SERVICES_DIR/npm/node_modules/kinesis-local" && \
    KINESIS_MOCK_PLAIN_PORT="$KINESIS_MOCK_PORT" KINESIS_MOCK_TLS_PORT=$((KINESIS_MOCK_PORT + 1000)) \
    KINESIS_MOCK_HOST=127.0.0.1 SHARD_LIMIT=1000 CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms \
    nohup node main.js >"$SERVICES_DIR/kinesis-mock.log" 2>&1 &
    echo $! > "$pidfile")
  wait_port "$KINESIS_MOCK_PORT" kinesis-mock 300 || die "kinesis-mock did not start; see .services/kinesis-mock.log"
}

kinesis_up() {
  mkdir -p "$SERVICES_DIR"
  kinesalite_up
  log "kinesalite on http://127.0.0.1:$KINESALITE_PORT (AWS SDK v2 clients need CBOR off: CBOR_ENABLED=false or -Daws.cborEnabled=false)"
  if [ "$START_KINESIS_MOCK" = 1 ]; then
    kinesis_mock_up
    log "kinesis-mock on http://127.0.0.1:$KINESIS_MOCK_PORT"
  fi
}

# kinesalite keeps its memory after streams are deleted (4 GB RSS after an hour of benchmarks, and slower): the
# benchmark restarts it before each contender with restart-kinesis.
wait_port_closed() {
  local i
  for i in $(seq 1 100); do port_open "$1" || return 0; sleep 0.1; done
  die "port $1 still open 10 s after stopping the emulator (one started by another checkout?)"
}

kinesis_restart() {
  if ! pid_alive "$SERVICES_DIR/kinesalite.pid" && port_open "$KINESALITE_PORT"; then
    die "the emulator on port $KINESALITE_PORT was not started by this checkout: stop it there first"
  fi
  # kinesalite only: a kinesis-mock started beside it keeps running.
  if pid_alive "$SERVICES_DIR/kinesalite.pid"; then kill "$(cat "$SERVICES_DIR/kinesalite.pid")" 2>/dev/null || true; fi
  rm -f "$SERVICES_DIR/kinesalite.pid"
  wait_port_closed "$KINESALITE_PORT"
  kinesalite_up
}

kinesis_down() {
  local f
  for f in "$SERVICES_DIR"/kinesalite.pid "$SERVICES_DIR"/kinesis-mock.pid; do
    if pid_alive "$f"; then kill "$(cat "$f")" 2>/dev/null || true; fi
    rm -f "$f"
  done
}

# The emulator checks that a request is signed, not the signature: a fixed header is enough for curl.
emulator_call() {
  local target=$1 body=$2
  curl -s -X POST "http://127.0.0.1:$KINESALITE_PORT/" \
    -H 'Content-Type: application/x-amz-json-1.1' -H "X-Amz-Target: Kinesis_20131202.$target" \
    -H 'X-Amz-Date: 20260101T000000Z' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=0' \
    -d "$body"
}

create_stream() {
  local name=${1:?usage: create-stream NAME [SHARDS]} shards=${2:-1}
  command -v curl >/dev/null || apt_install curl
  port_open "$KINESALITE_PORT" || die "kinesalite is not running; run: $0 up"
  if emulator_call DescribeStreamSummary "{\"StreamName\":\"$name\"}" | grep -q '"StreamStatus":"ACTIVE"'; then
    log "stream $name exists"
    return 0
  fi
  emulator_call CreateStream "{\"StreamName\":\"$name\",\"ShardCount\":$shards}" >/dev/null
  for _ in $(seq 50); do
    emulator_call DescribeStreamSummary "{\"StreamName\":\"$name\"}" | grep -q '"StreamStatus":"ACTIVE"' && { log "created stream $name ($shards shard(s))"; return 0; }
    sleep 0.1
  done
  die "stream $name did not become ACTIVE"
}

# ---------------------------------------------------------------- commands

print_env() {
  cat <<ENV
export PGHOST=127.0.0.1
export PGPORT=$PG_PORT
export PGUSER=$PG_LOCAL_USER
export PGPASSWORD=$PG_LOCAL_PASSWORD
export PGDATABASE=$PG_LOCAL_DB
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
export CBOR_ENABLED=false
export KINESIS_ENDPOINT=http://127.0.0.1:$KINESALITE_PORT
ENV
}

status() {
  local rc=0
  if pg_running && port_open "$PG_PORT"; then echo "postgresql: up (127.0.0.1:$PG_PORT)"; else echo "postgresql: down"; rc=1; fi
  if port_open "$KINESALITE_PORT"; then echo "kinesalite: up (127.0.0.1:$KINESALITE_PORT)"; else echo "kinesalite: down"; rc=1; fi
  if port_open "$KINESIS_MOCK_PORT"; then echo "kinesis-mock: up (127.0.0.1:$KINESIS_MOCK_PORT)"; else echo "kinesis-mock: down (optional, CDC_KINESIS_MOCK=1)"; fi
  return $rc
}

case "${1:-}" in
  up) pg_up; kinesis_up; npm_ensure @cdktf/hcl2json "$HCL2JSON_VERSION" ;;
  down) kinesis_down; pg_down; log "stopped" ;;
  restart-kinesis) kinesis_restart ;;
  status) status ;;
  env) print_env ;;
  create-stream) shift; create_stream "$@" ;;
  *) echo "usage: $0 up|down|status|env|create-stream NAME [SHARDS]" >&2; exit 2 ;;
esac
