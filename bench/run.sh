#!/usr/bin/env bash
# The benchmark harness (issue 11), one command:
#
#   bench/run.sh
#
# brings the local services up (scripts/local-services.sh up: idempotent, quick when up), builds the runner and the
# bench module (profile bench: mvn -Pbench package -pl test-support,connector,runner,bench; the default build does not build it),
# fetches Debezium Server 3.6.1.Final into .services/bench/ when missing (git-ignored, about 780 MB) and runs the
# harness (io.cdclr.bench.Bench). Progress goes to the console; the table with ratios and a PNG chart go to bench/results/.
# The JMH micro-benchmarks of the same module run with bench/jmh.sh.
#
# Environment (all optional):
#   BENCH_CHANGES=20000          scale the orders mix (default 200,000 inserts + 100,000 updates + 20,000 deletes)
#   BENCH_INSERTS/UPDATES/DELETES  set the mix directly
#   BENCH_BIG_ROWS=1000000       rows of the one big transaction (0 skips it)
#   BENCH_STEADY_RATES=500,2000,10000   steady state: the offered loads (changes/s), one after the other, for the runner
#                                and Debezium Server, each started once (empty skips the phase)
#   BENCH_STEADY_SECONDS=120     the measured window at each rate (0 skips the phase); CPU, RSS and latency over it only
#   BENCH_STEADY_WARMUP_SECONDS=20  the unmeasured load before each window
#   BENCH_STEADY_REPEAT=3        start each contender's steady session 3 times, alternating; the table shows at each rate
#                                the session with the median CPU per change, every session's figures in its note (default 1)
#   BENCH_SHARDS=4               shards of every stream
#   BENCH_PEER=0                 skip Debezium Server
#   BENCH_REPEAT=3               run the runner and Debezium Server 3 times each per backlog, alternating; the table shows
#                                each one's run with the median CPU (default 1)
#   BENCH_CEILINGS=0             skip the decode, sink and null-sink ceilings (quicker runs while tuning the runner)
#   BENCH_FRESH_EMULATOR=0       keep kinesalite running between contenders (default: restarted empty before each)
#   BENCH_OURS_JAVA              the java that runs the runner (default: the one that runs Debezium Server, BENCH_DEBEZIUM_JAVA,
#                                /usr/lib/jvm/temurin-25-jdk-amd64/bin/java: Java 25, as in the container image)
#   BENCH_OURS_JAVA_OPTS         the runner's JVM options (default: the container image's, from the Dockerfile's
#                                RUNNER_JAVA_OPTIONS, with BENCH_OURS_HEAP unless those set -Xmx, and its class data
#                                sharing archive; see docs/benchmarks.md)
#   BENCH_OURS_HEAP              the runner's heap options beside the image's (default: -Xmx200m and -Xmn140m, each
#                                unless the image's options set it)
#   BENCH_OURS_IMAGE_ENV         the image's JVM environment given to the runner (default: MALLOC_ARENA_MAX from the
#                                Dockerfile, if set there)
#   BENCH_OURS_ENV               the runner's settings, KEY=VALUE ... (default CDC_KINESIS_MAX_BUFFERED_BYTES=2097152)
#   BENCH_OURS_PLAIN=0           skip the extra run of the runner with JVM defaults and default settings
#   BENCH_PEER_JAVA_OPTS         extra JVM options of Debezium Server
#   BENCH_TIMELINE=1             print records arrived per second for each contender
#   BENCH_RUNNER_JAR             the runner JAR to measure (default runner/target/cdc-runner.jar)
#   BENCH_SKIP_BUILD=1           use the runner JAR and the bench module as they are
#   BENCH_MODE=snapshot          instead of the above: an incremental snapshot of a table of BENCH_SNAPSHOT_ROWS rows
#                                (default 1000000), alone and with BENCH_RATE (2000) inserts/s into another table, beside COPY TO
#                                STDOUT, the decode and the sink ceilings (SnapshotBench; BENCH_PEER is not used);
#                                BENCH_SNAPSHOT_CHUNK=N asks for chunks of N rows (default: the runner's snapshot.chunk.size)
#   CDC_*                        passed to the runner (e.g. CDC_KINESIS_MAX_CONCURRENT_CALLS=4)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[bench] %s\n' "$*"; }

DEBEZIUM_VERSION=3.6.1.Final
DEBEZIUM_DIR="$ROOT/.services/bench"
DEBEZIUM_HOME="$DEBEZIUM_DIR/debezium-server"
DEBEZIUM_JAVA="${BENCH_DEBEZIUM_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
# The runner runs on the same JVM as Debezium Server, Java 25 as in the container image: the comparison is of the two
# pipelines, not of two JVM releases.
export BENCH_OURS_JAVA="${BENCH_OURS_JAVA:-$DEBEZIUM_JAVA}"
if [ -z "${BENCH_OURS_JAVA_OPTS:-}" ] && ! "$BENCH_OURS_JAVA" -XX:+UseCompactObjectHeaders -version >/dev/null 2>&1; then
  echo "the runner's default JVM options need Java 25 or later: set BENCH_OURS_JAVA (not usable: $BENCH_OURS_JAVA)" >&2
  exit 1
fi

log "local services up"
scripts/local-services.sh up
eval "$(scripts/local-services.sh env)"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f runner/target/cdc-runner.jar ] || [ ! -d bench/target/classes ]; then
  log "building the runner and the bench module (mvn -B -q -ntp -Pbench package -pl test-support,connector,runner,bench -DskipTests)"
  mvn -B -q -ntp -Pbench package -pl test-support,connector,runner,bench -DskipTests
fi
# The runner runs as in the container image: the image's JVM options (the Dockerfile's RUNNER_JAVA_OPTIONS) and its
# class data sharing archive and its JVM environment, with the heap a pod's memory limit would give (docs/benchmarks.md).
runner_jar="$(realpath "${BENCH_RUNNER_JAR:-runner/target/cdc-runner.jar}")"
log "class data sharing archive for the runner (scripts/cds-archive.sh)"
# Dumped by the java that runs the runner: an archive only maps into the JVM build that dumped it.
JAVA="$BENCH_OURS_JAVA" scripts/cds-archive.sh "$runner_jar"
if [ -z "${BENCH_OURS_JAVA_OPTS:-}" ]; then
  image_options=$(sed -n 's/^ARG RUNNER_JAVA_OPTIONS="\(.*\)"$/\1/p' Dockerfile)
  [ -n "$image_options" ] || { echo "no ARG RUNNER_JAVA_OPTIONS=\"...\" in the Dockerfile" >&2; exit 1; }
  # The image sizes its heap from the container's memory limit; this machine has none, so the bench gives the runner the
  # heap a pod would (BENCH_OURS_HEAP: -Xmx200m, about 75 % of a 256 MiB limit, and a young generation of 140 MiB),
  # leaving out what the image's options set themselves.
  if [ -z "${BENCH_OURS_HEAP+set}" ]; then
    BENCH_OURS_HEAP=""
    case "$image_options" in *-Xmx*) ;; *) BENCH_OURS_HEAP="-Xmx200m" ;; esac
    case "$image_options" in *-Xmn*) ;; *) BENCH_OURS_HEAP="$BENCH_OURS_HEAP -Xmn140m" ;; esac
  fi
  export BENCH_OURS_JAVA_OPTS="$image_options $BENCH_OURS_HEAP -XX:SharedArchiveFile=${runner_jar%.jar}.jsa"
fi
# The image's environment for the JVM (e.g. MALLOC_ARENA_MAX) goes to the runner too, not to the other contenders.
if [ -z "${BENCH_OURS_IMAGE_ENV+set}" ]; then
  export BENCH_OURS_IMAGE_ENV="$(sed -n 's/^[[:space:]]*\(MALLOC_ARENA_MAX=[0-9]*\).*$/\1/p' Dockerfile | head -1)"
fi

if [ "${BENCH_PEER:-1}" = 1 ] && [ "${BENCH_MODE:-}" != snapshot ]; then
  [ -x "$DEBEZIUM_JAVA" ] || { echo "Debezium Server needs Java 21 or later: set BENCH_DEBEZIUM_JAVA (not found: $DEBEZIUM_JAVA)" >&2; exit 1; }
  if [ ! -f "$DEBEZIUM_HOME/debezium-server-dist-$DEBEZIUM_VERSION-runner.jar" ]; then
    archive="$DEBEZIUM_DIR/debezium-server-dist-$DEBEZIUM_VERSION.tar.gz"
    if [ ! -f "$archive" ]; then
      log "fetching Debezium Server $DEBEZIUM_VERSION from Maven Central (about 780 MB)"
      mvn -B -q dependency:copy -Dartifact="io.debezium:debezium-server-dist:$DEBEZIUM_VERSION:tar.gz" -DoutputDirectory="$DEBEZIUM_DIR"
    fi
    log "unpacking Debezium Server"
    tar xzf "$archive" -C "$DEBEZIUM_DIR"
  fi
fi

log "running (log of every contender under bench/target/work-*)"
# CBOR off for every contender alike (kinesalite speaks JSON only): the env for the SDK, -Daws.cborEnabled=false in each JVM.
export CBOR_ENABLED=false
BENCH_ROOT="$ROOT" BENCH_DEBEZIUM_HOME="$DEBEZIUM_HOME" BENCH_DEBEZIUM_JAVA="$DEBEZIUM_JAVA" \
  exec java -Xmx4g -Djava.awt.headless=true -Daws.cborEnabled=false \
  -cp "bench/target/classes:runner/target/cdc-runner.jar" io.cdclr.bench.Bench
