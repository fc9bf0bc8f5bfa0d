#!/usr/bin/env bash
# make bench: times mlform against the tools people use today, on the same
# files, in one run, and prints medians, ratios and peak RSS.
#
#   datasets : 20,000 files of 4–64 KiB (~600 MiB) and 4 files of 256 MiB
#   first snapshot : mlform apply (fresh store)  vs restic backup (fresh repo)  vs b3sum
#   no-op          : mlform plan (nothing changed) vs restic's no-change backup vs find -printf
#                    (and `mlform version`: the process start-up every plan pays)
#   fleet          : generated workspaces of N = 100 and 1,000 models (internal/fleetgen:
#                    N datasets of one small CSV, N models running one sh trainer, N retrain
#                    policies, N gated promotions): validate, apply (every first train),
#                    no-op plan, peak RSS; declared as N blocks of each kind and as one
#                    module called with for_each over N names (FLEET_SHAPES)
#
# Every figure is printed next to its target with PASS or MISS (README.md,
# "Performance", says where the targets come from).
#
# Environment: BENCH_DIR (default $HOME/.cache/mlform-bench), RUNS (default 3),
# BENCH (fleet, snapshot or all; default all), FLEET_SIZES (default "100 1000"),
# FLEET_SHAPES (blocks: N blocks of each kind; modules: one module called
# with for_each over N names; default both),
# SNAPSHOT_SETS (default "small large").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=${BENCH_DIR:-$HOME/.cache/mlform-bench}
RUNS=${RUNS:-3}
BENCH=${BENCH:-all}
FLEET_SIZES=${FLEET_SIZES:-100 1000}
FLEET_SHAPES=${FLEET_SHAPES:-blocks modules}
SNAPSHOT_SETS=${SNAPSHOT_SETS:-small large}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need restic || ! need b3sum || [ ! -x /usr/bin/time ] || ! need bc; then
  echo "bench: installing restic, b3sum and time from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  { $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq restic b3sum time bc >/dev/null; } ||
    echo "bench: could not install them; what needs them is skipped" >&2
fi
[ -x /usr/bin/time ] && need bc || { echo "bench: /usr/bin/time (Debian package time) and bc are required" >&2; exit 1; }
HAVE_RESTIC=1 HAVE_B3SUM=1
need restic || { HAVE_RESTIC=0; echo "bench: restic unavailable: the restic comparison is skipped" >&2; }
need b3sum || { HAVE_B3SUM=0; echo "bench: b3sum unavailable: the b3sum comparison is skipped" >&2; }

go build -o "$ROOT/bin/mlform" ./cmd/mlform
go build -o "$ROOT/bin/benchgen" ./internal/benchgen
mkdir -p "$BENCH_DIR"
# Measure an installed copy, as a user runs it: peak RSS counts the pages
# of the binary a process maps, and a binary just written by the linker
# (which writes its output through mmap) sits in the page cache in large
# folios, each mapped whole on first touch: `mlform version` peaked at
# 87 MiB run from bin/, 57 MiB from a copy written by install(1).
install -m 0755 "$ROOT/bin/mlform" "$BENCH_DIR/mlform"
MLFORM=$BENCH_DIR/mlform

mkdir -p "$BENCH_DIR"
if [ "$BENCH" != fleet ]; then
  for ds in $SNAPSHOT_SETS; do
    d=$BENCH_DIR/data/$ds
    [ -f "$d/.done" ] || { rm -rf "$d"; "$ROOT/bin/benchgen" -"$ds" "$d"; touch "$d/.done"; }
  done
fi

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

if [ "$BENCH" != fleet ]; then
for ds in $SNAPSHOT_SETS; do
  src=$BENCH_DIR/data/$ds
  ws=$BENCH_DIR/ws-$ds repo=$BENCH_DIR/restic-$ds
  for i in $(seq "$RUNS"); do
    workspace "$ws" "$src"
    measure mlform_first "$ds" "$MLFORM" -chdir="$ws" apply -auto-approve -no-color
    if [ "$HAVE_RESTIC" = 1 ]; then
      rm -rf "$repo" "$RESTIC_CACHE_DIR"; restic init -q --repo "$repo" >/dev/null
      measure restic_first "$ds" restic -q --repo "$repo" backup "$src"
    fi
    [ "$HAVE_B3SUM" = 0 ] || measure b3sum "$ds" sh -c "find '$src' -type f -print0 | xargs -0 b3sum >/dev/null"
  done
  for i in $(seq "$RUNS"); do
    measure mlform_noop "$ds" "$MLFORM" -chdir="$ws" plan -no-color -detailed-exitcode
    [ "$HAVE_RESTIC" = 0 ] || measure restic_noop "$ds" restic -q --repo "$repo" backup "$src"
    measure find "$ds" find "$src" -printf '%s %T@ %i\n'
    measure mlform_start "$ds" "$MLFORM" version
  done
done
fi

# The fleet: a fresh workspace per run, so every apply trains everything.
if [ "$BENCH" != snapshot ]; then
for shape in $FLEET_SHAPES; do
  case $shape in
    blocks) prefix=fleet gen=() ;;
    modules) prefix=fleetmod gen=(-modules) ;;
    *) echo "bench: FLEET_SHAPES: unknown shape $shape (blocks, modules)" >&2; exit 2 ;;
  esac
  for n in $FLEET_SIZES; do
    ws=$BENCH_DIR/$prefix-$n
    for i in $(seq "$RUNS"); do
      rm -rf "$ws"; "$ROOT/bin/benchgen" -fleet "$n" "${gen[@]}" "$ws"
      # Real data is not written the moment before apply: the stat caches
      # trust no file changed (ctime included, which benchgen cannot age)
      # within 2 s of being hashed, so without this the first no-op plan
      # would rehash every dataset apply hashed.
      sleep 2.1
      measure ${prefix}_validate "$n" "$MLFORM" -chdir="$ws" validate -no-color
      measure ${prefix}_apply "$n" "$MLFORM" -chdir="$ws" apply -auto-approve -no-color
      measure ${prefix}_noop "$n" "$MLFORM" -chdir="$ws" plan -no-color -detailed-exitcode
    done
  done
done
fi

python3 - "$RESULTS" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) >= 4:
        rows[(p[0], p[1])].append((float(p[2]), int(p[3])))
def med(k): v = rows.get(k); return max(statistics.median(x[0] for x in v), 1e-3) if v else float('nan')
def rss(k): v = rows.get(k); return max(x[1] for x in v) / 1024 if v else float('nan')
def verdict(ok): return "PASS" if ok else "MISS"
nan = float('nan')
print(f"{'measure':<19}{'dataset':<8}{'runs':>5}{'median s':>10}{'peak RSS MiB':>14}")
for (n, d) in sorted(rows):
    print(f"{n:<19}{d:<8}{len(rows[(n,d)]):>5}{med((n,d)):>10.3f}{rss((n,d)):>14.1f}")
print()
if any(k[0].startswith("mlform_") for k in rows):
    print("Snapshots (medians; restic and find on the same files in the same run):")
    for d, first in (("small", 5), ("large", 4)):
        if ("mlform_first", d) not in rows:
            continue
        if ("restic_first", d) in rows:
            r = med(('restic_first',d))/med(('mlform_first',d))
            print(f"  [{d}] first snapshot: restic/mlform = {r:.2f}x   target >= {first}x   {verdict(r >= first)}")
            r = med(('restic_noop',d))/med(('mlform_noop',d))
            print(f"  [{d}] no-op plan: restic no-change backup/mlform = {r:.2f}x   target >= 10x   {verdict(r >= 10)}")
        else:
            print(f"  [{d}] restic unavailable: no restic comparison")
        r = med(('mlform_noop',d))/med(('find',d))
        print(f"  [{d}] no-op plan: mlform/find -printf = {r:.2f}x   target <= 2x   {verdict(r <= 2)}")
        if ("b3sum", d) in rows:
            print(f"  [{d}] b3sum/mlform first snapshot = {med(('b3sum',d))/med(('mlform_first',d)):.2f}x (reading and hashing alone)")
        v = max(rss(('mlform_first', d)), rss(('mlform_noop', d)))
        print(f"  [{d}] peak RSS of mlform's snapshot and no-op plan = {v:.1f} MiB   target < 150 MiB   {verdict(v < 150)}")
        print(f"  [{d}] mlform start-up alone (mlform version) = {med(('mlform_start',d)):.3f} s")
    print()
for prefix, shape in (("fleet", "N blocks of each kind"), ("fleetmod", "one module called with for_each over N")):
    sizes = sorted({int(k[1]) for k in rows if k[0].startswith(prefix + "_")})
    if not sizes:
        continue
    f = lambda m, n: (prefix + "_" + m, str(n))
    print(f"Fleet, {shape} (medians; N datasets, models, policies and gated promotions):")
    print(f"  {'N':>6}{'validate s':>12}{'apply s':>10}{'per model ms':>14}{'no-op plan s':>14}{'peak RSS MiB':>14}")
    for n in sizes:
        peak = max(rss(f('validate', n)), rss(f('apply', n)), rss(f('noop', n)))
        print(f"  {n:>6}{med(f('validate', n)):>12.3f}{med(f('apply', n)):>10.2f}{1000*med(f('apply', n))/n:>14.1f}{med(f('noop', n)):>14.3f}{peak:>14.1f}")
    big, small = max(sizes), min(sizes)
    print(f"  targets at N = {big}:")
    v = med(f('noop', big)); print(f"    no-op plan {v:.3f} s   target <= 0.5 s   {verdict(v <= 0.5)}")
    v = med(f('validate', big)); print(f"    validate {v:.3f} s   target <= 0.3 s   {verdict(v <= 0.3)}")
    if small != big:
        lim = 1.5 * (big / small) * med(f('apply', small))
        v = med(f('apply', big))
        print(f"    apply {v:.2f} s   target <= 1.5 x {big // small} x apply at N = {small} = {lim:.2f} s   {verdict(v <= lim)}")
    v = max(rss(f(m, n)) for m in ('validate', 'apply', 'noop') for n in sizes)
    print(f"    peak RSS {v:.1f} MiB   target <= 150 MiB   {verdict(v <= 150)}")
PY

# Per-step overhead of each executor, submit to recorded result (a forced
# retrain of a model whose trainer only writes its metrics), local and on
# the single-node Slurm test cluster (the slurm case skips, with one line,
# when the cluster cannot start).
echo
echo "per-step overhead (planner BenchmarkStepOverhead, ns/op = one train recorded):"
scripts/slurm/with-slurm.sh go test ./planner -run '^$' -bench StepOverhead -benchtime "${STEP_RUNS:-10}x" 2>&1 |
  grep -E '^(Benchmark|--- SKIP|    bench_step_test|slurm:)' || true
