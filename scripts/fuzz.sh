#!/usr/bin/env bash
# Runs every Fuzz* target in the repository for a short time each. Each runs
# from its package's directory, so packages of nested modules (the example
# trainer in examples/churn/trainer) work too.
set -euo pipefail
t=${1:-10s}
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "== $pkg $fn ($t)"
    (cd "$pkg" && go test -run='^$' -fuzz="^${fn}\$" -fuzztime="$t" .)
  done
done
