#!/usr/bin/env bash
# Dumps a class data sharing (AppCDS) archive for the runner JAR from the committed class list
# (runner/src/main/cds/cdc-runner.classlist): the classes the runner loads while it starts and streams, parsed,
# verified and laid out once, so each start maps them instead (docs/benchmarks.md: about half the start-up CPU).
#
#   scripts/cds-archive.sh [JAR] [ARCHIVE]     defaults: runner/target/cdc-runner.jar, the JAR's path with .jsa
#   JAVA=/path/to/java                         the JVM that will run the runner (an archive maps only into the build
#                                              that dumped it); default: java on the PATH
#
# Use it with: java -XX:SharedArchiveFile=ARCHIVE -jar JAR. The JVM checks that the JAR is the very file it was dumped
# from (path, size, time); if not, or if the archive is missing, it starts without it, only slower. The Dockerfile
# runs the same dump in the image. Classes the list names but the JAR lacks are skipped with a warning: regenerate the
# list with scripts/cds-classlist.sh after large changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$(realpath "${1:-$ROOT/runner/target/cdc-runner.jar}")"
ARCHIVE="${2:-${JAR%.jar}.jsa}"
CLASSLIST="${CDS_CLASSLIST:-$ROOT/runner/src/main/cds/cdc-runner.classlist}"
JAVA="${JAVA:-java}"
# The archive maps only into a JVM with the same object header layout: the runner runs with compact object headers
# (Java 25, the container image's JVM options), so the dump does too. CDS_DUMP_OPTS= for a JVM without them.
CDS_DUMP_OPTS="${CDS_DUMP_OPTS--XX:+UseCompactObjectHeaders}"

[ -f "$JAR" ] || { echo "cds-archive: no JAR at $JAR (build first: mvn -B package -DskipTests)" >&2; exit 1; }
# The classpath must be spelled as the runner is started (-jar with this absolute path).
if ! "$JAVA" $CDS_DUMP_OPTS -Xshare:dump -XX:SharedClassListFile="$CLASSLIST" -XX:SharedArchiveFile="$ARCHIVE" -cp "$JAR" \
    > "$ARCHIVE.log" 2>&1; then
  cat "$ARCHIVE.log" >&2
  echo "cds-archive: dumping $ARCHIVE failed (log above)" >&2
  exit 1
fi
echo "cds-archive: $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1)) for $JAR"
