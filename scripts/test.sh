#!/usr/bin/env bash
# The whole test suite: local services up, then unit and integration tests (mvn verify).
# Extra arguments go to Maven, e.g. scripts/test.sh -pl test-support,connector -Dit.test=SlotManagerIT
# (with -pl, list test-support too: the modules' tests depend on it, and the reactor builds it)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/local-services.sh up
# Point every test at the local services (the same variables the runner reads).
eval "$(scripts/local-services.sh env)"
# In CI a service that cannot be reached must fail the tests, never skip them.
export CDC_REQUIRE_LOCAL_SERVICES=1

exec mvn -B -ntp verify "$@"
