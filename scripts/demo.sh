#!/usr/bin/env bash
# The whole mlform loop on examples/churn, from a clean clone with only Go:
#
#   1. init, plan, apply: dataset snapshotted, model.churn v1 trained and
#      promoted to production (and published); plan again: no changes.
#   2. new customers arrive: plan explains the retrain, apply trains v2 and
#      promotes it only if it beats v1 on accuracy.
#   3. the customer base drifts: the retrain reasons name the drifted
#      columns with their PSI, and the champion's accuracy on the new data.
#   4. v1 against v3 (metrics diff), v1 re-trained from its recorded inputs
#      (reproduce: identical artifacts), and the versions table.
#
# The example is copied to a temporary workspace (DEMO_DIR to choose it;
# kept afterwards so you can explore it). MLFORM overrides the binary, a
# path or a command name (default bin/mlform, built by `make demo`).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mlform=${MLFORM:-$root/bin/mlform}
case "$mlform" in */*) ;; *) mlform=$(command -v "$mlform" || echo "$mlform") ;; esac
if [ ! -x "$mlform" ]; then
  echo "demo: $mlform not found: run 'make demo' (or 'make build' first)" >&2
  exit 1
fi
case "$mlform" in /*) ;; *) mlform=$PWD/$mlform ;; esac

work=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mlform-demo.XXXXXX")}
mkdir -p "$work"
if [ -n "$(ls -A "$work")" ]; then
  echo "demo: $work is not empty; choose an empty DEMO_DIR" >&2
  exit 1
fi
gendata() { (cd "$root" && go run ./examples/churn/cmd/gendata "$@"); }

# The workspace a user would have: config, data, trainer. Not the state of
# an earlier run, nor the Go files that belong to mlform's own module. The
# data is regenerated rather than copied: gendata's defaults write exactly
# the committed part-000{0..3}.csv, and files a user added to
# examples/churn/data by hand (its README shows how) must not change the demo.
cp "$root/examples/churn/main.mlf.hcl" "$root/examples/churn/README.md" "$root/examples/churn/.gitignore" "$work/"
cp -R "$root/examples/churn/trainer" "$work/"
gendata -out "$work/data/churn"

bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step=0 current=''
run() {
  step=$((step + 1))
  current="mlform $*"
  say "$step. $current"
  (cd "$work" && "$mlform" "$@")
}
trap 'rc=$?; [ $rc -ne 0 ] && echo "demo: failed at step $step ($current), exit $rc; workspace kept in $work" >&2' EXIT

# expect_no_changes runs `plan -detailed-exitcode`, which exits 0 when the
# world is as declared, 2 when there is something to do.
expect_no_changes() {
  local rc=0
  run plan -detailed-exitcode || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "demo: plan right after apply should say No changes (exit 0), got exit $rc" >&2
    exit 1
  fi
}

echo "demo workspace: $work"
run version
run init
run validate
run plan
run apply -auto-approve
expect_no_changes

say "new customers arrive (1000 rows in a new file)"
current="gendata"
gendata -out "$work/data/churn" -prefix 2026-01-week2 -rows 1000 -files 1 -seed 2 -first-id 4001
run plan
run apply -auto-approve

say "the customer base drifts: this month's export (shorter tenure, higher charges) replaces the old files"
current="gendata"
rm -f "$work"/data/churn/*.csv
gendata -out "$work/data/churn" -prefix 2026-02 -rows 4000 -files 2 -seed 3 -first-id 1 -drift 1
run plan
run apply -auto-approve
expect_no_changes

run output production_version
run metrics diff model.churn@1 model.churn@3
run reproduce model.churn@1
run versions model.churn

echo
echo "demo: done. Explore the workspace: cd $work && $mlform lineage model.churn@1"
