#!/usr/bin/env bash
# Runs the pipeline locally end to end:
#   local services up (PostgreSQL with wal2json, Kinesis emulator), build, a demo table and stream,
#   the runner started against them, a few demo changes, and those changes read back from the stream.
#
#   scripts/run-local.sh          start (the runner keeps running in the background)
#   scripts/run-local.sh stop     stop the runner gracefully (SIGTERM)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUN_DIR="$ROOT/.services/runner"
PID_FILE="$RUN_DIR/runner.pid"
LOG_FILE="$RUN_DIR/runner.log"
JAR="$ROOT/runner/target/cdc-runner.jar"
STREAM=cdc-demo
SLOT=demo_slot_wal2json

stop_runner() {
  if [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    echo "Stopping the runner (SIGTERM; it drains, stores and confirms its offsets)"
    kill -TERM "$(cat "$PID_FILE")"
    for _ in $(seq 600); do kill -0 "$(cat "$PID_FILE")" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

if [ "${1:-}" = stop ]; then stop_runner; exit 0; fi

scripts/local-services.sh up
eval "$(scripts/local-services.sh env)"
mvn -B -ntp -q package -DskipTests
echo "Built $JAR"

scripts/local-services.sh create-stream "$STREAM" 1
psql -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE IF NOT EXISTS public.demo_orders(id bigserial PRIMARY KEY, customer text NOT NULL, amount numeric(12,2), created_at timestamptz DEFAULT now());
SQL

stop_runner
mkdir -p "$RUN_DIR"
export KINESIS_STREAM=$STREAM REPLICATION_SLOT=$SLOT
export CDC_WAL2JSON_ADD_TABLES=public.demo_orders
export CDC_OFFSET_STORAGE_FILE_FILENAME="$RUN_DIR/offsets.dat"
nohup java -jar "$JAR" >"$LOG_FILE" 2>&1 &
echo $! > "$PID_FILE"
echo "Runner started (pid $(cat "$PID_FILE"), log $LOG_FILE); waiting until it streams"
for _ in $(seq 300); do
  curl -sf http://127.0.0.1:8080/health/ready >/dev/null && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { cat "$LOG_FILE"; exit 1; }
  sleep 0.2
done
curl -sf http://127.0.0.1:8080/health/ready >/dev/null || { echo "runner not ready; see $LOG_FILE"; exit 1; }

echo "Writing demo changes to public.demo_orders"
psql -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO public.demo_orders(customer, amount) VALUES ('ada', 10.50), ('linus', 99.99), ('grace', 0.01);
UPDATE public.demo_orders SET amount = amount + 1 WHERE customer = 'ada';
DELETE FROM public.demo_orders WHERE customer = 'grace';
SQL

echo "Reading them back from Kinesis stream $STREAM (partition key, tab, wal2json envelope):"
timeout 60 java -jar "$JAR" tail --from-start --limit 5 2>/dev/null

cat <<EOF

The runner keeps streaming public.demo_orders to $STREAM:
  health:   curl http://127.0.0.1:8080/health/ready
  metrics:  curl http://127.0.0.1:8080/metrics
  watch:    eval "\$(scripts/local-services.sh env)"; KINESIS_STREAM=$STREAM java -jar $JAR tail
  log:      $LOG_FILE
  stop:     scripts/run-local.sh stop
EOF
