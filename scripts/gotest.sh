#!/usr/bin/env bash
# make test's go test passes, run inside the server wrappers:
#   1. every package with the test-hook tag (-tags mlformtest);
#   2. then the packages with concurrency again under -race (RACE_PKGS).
# The end-to-end scripts (./cmd/...) are the longest package, and mostly
# wait on servers, schedulers and child processes: they run beside both
# passes instead of holding up the -race pass behind them. Their output
# is printed when they end, after the passes'.
#
# Usage: scripts/gotest.sh "GOTESTFLAGS" RACE_PKG...
# Exits non-zero when any of the three failed.
set -u
cd "$(dirname "$0")/.."
go=${GO:-go}
read -r -a flags <<<"${1:-}"
shift
e2e_log=$(mktemp)
trap 'rm -f "$e2e_log"' EXIT

"$go" test "${flags[@]}" -tags mlformtest -count=1 -timeout 25m ./cmd/... >"$e2e_log" 2>&1 &
e2e=$!

mod=$("$go" list -m)
mapfile -t rest < <("$go" list ./... | grep -v "^$mod/cmd/")
"$go" test "${flags[@]}" -tags mlformtest -count=1 -timeout 25m "${rest[@]}"
rc=$?
if [ "$rc" -eq 0 ]; then
	"$go" test "${flags[@]}" -tags mlformtest -race -count=1 -timeout 12m "$@"
	rc=$?
fi

wait "$e2e"
e2e_rc=$?
echo "== end-to-end tests (./cmd/...):"
cat "$e2e_log"
[ "$rc" -eq 0 ] && [ "$e2e_rc" -eq 0 ]
