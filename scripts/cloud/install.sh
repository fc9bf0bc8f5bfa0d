#!/usr/bin/env bash
# Installs the object-store servers the cloud tests run against, into the
# cache named in common.sh, skipping whatever is already there:
#   versitygw        (S3)    go install
#   fake-gcs-server  (GCS)   go install
#   azurite-blob     (Azure) npm install
# Usage: install.sh [s3] [gcs] [azure]   (default: all three)
# Exits non-zero if any requested server could not be installed; the
# others are still installed. Never touches the checkout.
set -uo pipefail
. "$(dirname "$0")/common.sh"

install_go_tool() { # name module@version dest
	local name=$1 mod=$2 dest=$3
	[ -x "$dest" ] && return 0
	have_tool cloud_log "$name" go || return 1
	cloud_log "installing $mod (first run only; takes a few minutes)"
	local tmp rc=0
	tmp=$(mktemp -d) || return 1
	install_quietly cloud_log "$name" "go install $mod" go_install "$tmp" "$mod" "$name" "$dest" || rc=1
	rm -rf "$tmp"
	return $rc
}

# go_install DIR MOD NAME DEST: installs MOD's command NAME into DIR, then
# moves it to DEST. GOFLAGS from the caller (e.g. -mod=vendor) must not
# leak into an install outside this module.
go_install() {
	(cd "$1" && GOBIN="$1" GOFLAGS='' go install "$2") &&
		mkdir -p "$CLOUD_BIN" && mv "$1/$3" "$4"
}

install_azurite() {
	[ -x "$AZURITE_BLOB" ] && return 0
	have_tool cloud_log "azurite" npm || return 1
	cloud_log "installing azurite@$AZURITE_VERSION from npm (first run only)"
	local tmp="$AZURITE_DIR.tmp.$$"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	install_quietly cloud_log azurite "npm install azurite@$AZURITE_VERSION" npm_install_azurite "$tmp" && return 0
	rm -rf "$tmp"
	return 1
}

# npm_install_azurite DIR: installs azurite into DIR, then moves DIR to
# AZURITE_DIR.
npm_install_azurite() {
	npm install --prefix "$1" --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" &&
		rm -rf "$AZURITE_DIR" && mv "$1" "$AZURITE_DIR"
}

want=("$@")
[ ${#want[@]} -eq 0 ] && want=(s3 gcs azure)
# The three installs run side by side: the first run is bound by
# downloading and compiling, and this nearly halves it.
pids=()
for w in "${want[@]}"; do
	case $w in
	s3) install_go_tool versitygw "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" "$VERSITYGW" & ;;
	gcs) install_go_tool fake-gcs-server "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION" "$FAKE_GCS" & ;;
	azure) install_azurite & ;;
	*)
		cloud_log "unknown server $w (want s3, gcs or azure)"
		exit 2
		;;
	esac
	pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do
	wait "$pid" || rc=1
done
exit $rc
