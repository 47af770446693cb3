#!/usr/bin/env bash
# Runs the pipeline locally end to end: local services up, build, a demo table, the runner against the
# local PostgreSQL and Kinesis emulator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/local-services.sh up
eval "$(scripts/local-services.sh env)"
mvn -B -ntp -q package -DskipTests
echo "Built runner/target/cdc-runner.jar"
