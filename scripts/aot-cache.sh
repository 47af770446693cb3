#!/usr/bin/env bash
# Makes the runner's ahead-of-time cache (Java 25: classes loaded and linked, JEP 483; method profiles, JEP 515) by a
# training run: the runner's `train` command, under the runner's own JVM options plus -XX:AOTCacheOutput, streams a
# mix of 200,000 changes from a throwaway table and slot through the local services (scripts/local-services.sh:
# PostgreSQL with wal2json, kinesalite) to a training stream. A start with -XX:AOTCache=CACHE then maps the classes
# ready-linked and compiles the hot methods from the recorded profiles: on the 1M-row benchmark a sixth less CPU,
# half the start-up CPU (docs/benchmarks.md). The Dockerfile's training stage and bench/run.sh both run this.
#
#   RUNNER_JAVA_OPTIONS="..." scripts/aot-cache.sh [JAR] [CACHE]   defaults: runner/target/cdc-runner.jar, JAR's path with .aot
#
#   RUNNER_JAVA_OPTIONS    required: the JVM options the runner will run with (the cache is only used under options
#                          compatible with those it was made under: collector, compact object headers)
#   JAVA=/path/to/java     the JVM that will run the runner: a cache maps only into the JVM build that made it
#   AOT_TRAINING_CHANGES   size of the training mix (default 200000; 32,000 gave no CPU gain, docs/benchmarks.md)
#   AOT_SERVICES_DOWN=1    stop the local services afterwards (the image build)
#
# A JVM started with a cache it cannot use (another JVM build, another JAR) says so on stderr and runs without it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$(realpath "${1:-$ROOT/runner/target/cdc-runner.jar}")"
CACHE="${2:-${JAR%.jar}.aot}"
JAVA="${JAVA:-java}"
CHANGES="${AOT_TRAINING_CHANGES:-200000}"
STREAM=cdc-aot-training
: "${RUNNER_JAVA_OPTIONS:?set RUNNER_JAVA_OPTIONS to the JVM options the runner runs with (see the Dockerfile)}"

[ -f "$JAR" ] || { echo "aot-cache: no JAR at $JAR (build first: mvn -B package -DskipTests)" >&2; exit 1; }
"$JAVA" -XX:AOTMode=off -version >/dev/null 2>&1 || { echo "aot-cache: $JAVA has no AOT cache (Java 25 or later needed)" >&2; exit 1; }

"$ROOT/scripts/local-services.sh" up-streaming
eval "$("$ROOT/scripts/local-services.sh" env)"
"$ROOT/scripts/local-services.sh" create-stream "$STREAM" 4
rm -f "$CACHE"
started=$(date +%s)
read -r -a options <<< "$RUNNER_JAVA_OPTIONS" # split on spaces, no globbing (CompileCommand patterns hold '*')
if ! KINESIS_STREAM="$STREAM" "$JAVA" "${options[@]}" -XX:AOTCacheOutput="$CACHE" -jar "$JAR" train --changes "$CHANGES" \
    > "$CACHE.log" 2>&1; then
  cat "$CACHE.log" >&2
  rm -f "$CACHE" # the JVM writes one at exit even after a failed run
  echo "aot-cache: the training run failed (log above)" >&2
  exit 1
fi
[ -s "$CACHE" ] || { cat "$CACHE.log" >&2; echo "aot-cache: the training run wrote no cache at $CACHE" >&2; exit 1; }
if [ "${AOT_SERVICES_DOWN:-0}" = 1 ]; then "$ROOT/scripts/local-services.sh" down; fi
echo "aot-cache: $CACHE ($(du -h "$CACHE" | cut -f1)) for $JAR, trained in $(( $(date +%s) - started )) s: $(grep -m1 'delivered in' "$CACHE.log" || true)"
