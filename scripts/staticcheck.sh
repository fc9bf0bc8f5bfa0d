#!/usr/bin/env bash
# Runs staticcheck at the pinned version over the whole module (with the
# test-hook build tag, so hook code is checked too). The binary is installed
# once with `go install` into ~/.cache/mlform-tools (override with
# MLFORM_TOOLS_DIR) and reused. If it cannot be installed (no module proxy),
# the check is skipped with one line, or fails under CI=true.
set -uo pipefail
version=v0.8.2
tools=${MLFORM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlform-tools}
bin=$tools/staticcheck-$version/staticcheck
if [ ! -x "$bin" ]; then
	mkdir -p "$(dirname "$bin")"
	if ! GOBIN=$(dirname "$bin") go install "honnef.co/go/tools/cmd/staticcheck@$version" >"$tools/staticcheck-install.log" 2>&1; then
		if [ "${CI:-}" = true ]; then
			echo "staticcheck $version could not be installed:" >&2
			cat "$tools/staticcheck-install.log" >&2
			exit 1
		fi
		echo "staticcheck: skipped ($version could not be installed; see $tools/staticcheck-install.log)"
		exit 0
	fi
fi
exec "$bin" -tags mlformtest ./...
