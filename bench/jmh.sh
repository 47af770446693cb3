#!/usr/bin/env bash
# The JMH micro-benchmarks of the bench module (docs/benchmarks.md), one command:
#
#   bench/jmh.sh                              # every benchmark
#   bench/jmh.sh EnvelopeParserBenchmark      # JMH's own arguments: a name pattern, -p key=value, -prof gc, -h, ...
#
# Builds the connector, the runner and the bench module (profile bench: mvn -Pbench package -pl test-support,connector,runner,bench;
# BENCH_SKIP_BUILD=1 uses them as they are) and runs org.openjdk.jmh.Main on the module's class path. The Kinesis ones
# (KinesisWriterBenchmark, ShardLimitBenchmark) write to the local emulator: run eval "$(scripts/local-services.sh env)"
# first (scripts/local-services.sh up starts it).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ ! -f bench/target/classpath.txt ]; then
  echo "[jmh] building (mvn -B -q -ntp -Pbench package -pl test-support,connector,runner,bench -DskipTests)" >&2
  mvn -B -q -ntp -Pbench package -pl test-support,connector,runner,bench -DskipTests
fi
# CBOR off for the SDK in every fork (kinesalite speaks JSON only).
export CBOR_ENABLED=false
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" org.openjdk.jmh.Main "$@"
