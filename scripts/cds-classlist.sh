#!/usr/bin/env bash
# Regenerates runner/src/main/cds/cdc-runner.classlist, the classes the runner loads while it starts and streams,
# from which scripts/cds-archive.sh and the Dockerfile dump the class data sharing archive. It runs the benchmark
# harness's smallest workload (3,200 changes through the local PostgreSQL and kinesalite; about a minute) with the
# runner under -XX:DumpLoadedClassList. Commit the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLASSLIST="$ROOT/runner/src/main/cds/cdc-runner.classlist"
tmp="$(mktemp)"
BENCH_CHANGES=3200 BENCH_BIG_ROWS=0 BENCH_STEADY_SECONDS=0 BENCH_PEER=0 BENCH_CEILINGS=0 BENCH_OURS_PLAIN=0 \
  BENCH_OURS_JAVA_OPTS="-XX:+UseSerialGC -Xmx200m -XX:+UseCompactObjectHeaders -XX:DumpLoadedClassList=$tmp" bench/run.sh
[ -s "$tmp" ] || { echo "cds-classlist: the runner wrote no class list" >&2; exit 1; }
mv "$tmp" "$CLASSLIST"
echo "cds-classlist: $(grep -vc '^#' "$CLASSLIST") classes in $CLASSLIST"
