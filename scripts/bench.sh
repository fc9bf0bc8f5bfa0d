#!/usr/bin/env bash
# make bench: times mlform against the tools people use today, on the same
# files, in one run, and prints medians, ratios and peak RSS.
#
#   datasets : 20,000 files of 4–64 KiB (~600 MiB) and 4 files of 256 MiB
#   first snapshot : mlform apply (fresh store)  vs restic backup (fresh repo)  vs b3sum
#   no-op          : mlform plan (nothing changed) vs restic's no-change backup vs find -printf
#                    (and `mlform version`: the process start-up every plan pays)
#
# Environment: BENCH_DIR (default $HOME/.cache/mlform-bench), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/mlform-bench}
RUNS=${RUNS:-3}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need restic || ! need b3sum || [ ! -x /usr/bin/time ] || ! need bc; then
  echo "bench: installing restic, b3sum and time from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq restic b3sum time bc >/dev/null
fi

go build -o "$ROOT/bin/mlform" ./cmd/mlform
go build -o "$ROOT/bin/benchgen" ./internal/benchgen
MLFORM=$ROOT/bin/mlform

mkdir -p "$BENCH_DIR"
SMALL=$BENCH_DIR/data/small LARGE=$BENCH_DIR/data/large
[ -f "$SMALL/.done" ] || { rm -rf "$SMALL"; "$ROOT/bin/benchgen" -small "$SMALL"; touch "$SMALL/.done"; }
[ -f "$LARGE/.done" ] || { rm -rf "$LARGE"; "$ROOT/bin/benchgen" -large "$LARGE"; touch "$LARGE/.done"; }

export RESTIC_PASSWORD=bench RESTIC_CACHE_DIR=$BENCH_DIR/restic-cache
RESULTS=$BENCH_DIR/results.tsv
: >"$RESULTS"

# measure NAME DATASET CMD...: runs CMD once, appends "name dataset seconds maxrss_kib".
measure() {
  local name=$1 ds=$2; shift 2
  local t0 t1
  # Start each run with no dirty pages left by the one before: their
  # writeback would otherwise be charged to whichever tool runs next.
  sync
  t0=$(date +%s.%N)
  /usr/bin/time -o "$BENCH_DIR/last.time" -f '%M' "$@" >/dev/null 2>"$BENCH_DIR/last.err" || {
    rc=$?; [ "$rc" = 2 ] || { echo "bench: $name on $ds failed (exit $rc):" >&2; tail -5 "$BENCH_DIR/last.err" >&2; }; }
  t1=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\n' "$name" "$ds" "$(echo "$t1 - $t0" | bc -l)" "$(tail -n1 "$BENCH_DIR/last.time")" >>"$RESULTS"
}

workspace() { # workspace DIR SRC: an mlform workspace snapshotting SRC
  rm -rf "$1"; mkdir -p "$1"
  cat >"$1/bench.mlf.hcl" <<HCL
dataset "bench" {
  source = "$2"
}
HCL
}

for ds in small large; do
  src=$BENCH_DIR/data/$ds
  ws=$BENCH_DIR/ws-$ds repo=$BENCH_DIR/restic-$ds
  for i in $(seq "$RUNS"); do
    workspace "$ws" "$src"
    measure mlform_first "$ds" "$MLFORM" -chdir="$ws" apply -auto-approve -no-color
    rm -rf "$repo" "$RESTIC_CACHE_DIR"; restic init -q --repo "$repo" >/dev/null
    measure restic_first "$ds" restic -q --repo "$repo" backup "$src"
    measure b3sum "$ds" sh -c "find '$src' -type f -print0 | xargs -0 b3sum >/dev/null"
  done
  for i in $(seq "$RUNS"); do
    measure mlform_noop "$ds" "$MLFORM" -chdir="$ws" plan -no-color -detailed-exitcode
    measure restic_noop "$ds" restic -q --repo "$repo" backup "$src"
    measure find "$ds" find "$src" -printf '%s %T@ %i\n'
    measure mlform_start "$ds" "$MLFORM" version
  done
done

python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 4:
        rows[(p[0], p[1])].append((float(p[2]), int(p[3])))
def med(k): v = rows.get(k); return max(statistics.median(x[0] for x in v), 1e-3) if v else float('nan')
def rss(k): v = rows.get(k); return max(x[1] for x in v) / 1024 if v else float('nan')
print(f"{'measure':<16}{'dataset':<8}{'median s':>10}{'peak RSS MiB':>14}")
for (n, d) in sorted(rows):
    print(f"{n:<16}{d:<8}{med((n,d)):>10.3f}{rss((n,d)):>14.1f}")
print()
for d in ("small", "large"):
    print(f"[{d}] first snapshot: restic/mlform = {med(('restic_first',d))/med(('mlform_first',d)):.2f}x (target >= {5 if d=='small' else 4}x), b3sum/mlform = {med(('b3sum',d))/med(('mlform_first',d)):.2f}x")
    print(f"[{d}] no-op plan: mlform/find = {med(('mlform_noop',d))/med(('find',d)):.2f}x (target <= 3x), restic_noop/mlform = {med(('restic_noop',d))/med(('mlform_noop',d)):.2f}x (target >= 8x); mlform start-up alone (mlform version) = {med(('mlform_start',d)):.3f} s")
PY

# Per-step overhead of each executor, submit to recorded result (a forced
# retrain of a model whose trainer only writes its metrics), local and on
# the single-node Slurm test cluster (the slurm case skips, with one line,
# when the cluster cannot start).
echo
echo "per-step overhead (planner BenchmarkStepOverhead, ns/op = one train recorded):"
scripts/slurm/with-slurm.sh go test ./planner -run '^$' -bench StepOverhead -benchtime "${STEP_RUNS:-10}x" 2>&1 |
  grep -E '^(Benchmark|--- SKIP|    bench_step_test|slurm:)' || true
