#!/usr/bin/env bash
# Starts the object-store servers for the cloud tests on 127.0.0.1 only,
# each on a free port with its data under DIR, waits until each answers,
# and writes DIR/env: shell exports that point the SDKs and the Go test
# harness (internal/cloudtest) at them. Stop them with stop.sh DIR.
#
# Usage: start.sh DIR [s3] [gcs] [azure]   (default: all three)
#
# A server that is not installed or does not come up is recorded in DIR/env
# as MLFORM_TEST_<CLOUD>_UNAVAILABLE=<reason>, so its tests skip with that
# reason; with MLFORM_REQUIRE_CLOUD_TESTS=1 it is an error (exit 1) instead.
set -uo pipefail
. "$(dirname "$0")/common.sh"

dir=${1:?usage: start.sh DIR [s3] [gcs] [azure]}
shift
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(s3 gcs azure)
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
envfile="$dir/env"
: >"$envfile"

# Azurite's published development account (not a secret: it is the same on
# every machine and documented by Microsoft).
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

# answers PORT PATH: the server sent any HTTP response.
answers() {
	if command -v curl >/dev/null 2>&1; then
		curl --noproxy '*' -s -o /dev/null --max-time 2 "http://127.0.0.1:$1$2"
	else
		port_in_use "$1"
	fi
}

# launch NAME PORT READYPATH CMD...: starts CMD in its own process group,
# logging to DIR/NAME.log, and waits up to 60s for it to answer on PORT.
# Returns 2 when the port was taken meanwhile (caller retries), 1 on other
# failures.
launch() {
	local name=$1 port=$2 path=$3
	shift 3
	setsid "$@" >"$dir/$name.log" 2>&1 </dev/null &
	local pid=$!
	echo "$pid" >"$dir/$name.pid"
	for _ in $(seq 1 600); do
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$dir/$name.pid"
			if grep -qiE 'address already in use|EADDRINUSE' "$dir/$name.log"; then
				return 2
			fi
			return 1
		fi
		answers "$port" "$path" && return 0
		sleep 0.1
	done
	kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	rm -f "$dir/$name.pid"
	echo "no answer on 127.0.0.1:$port after 60s" >>"$dir/$name.log"
	return 1
}

# start_with_retry NAME READYPATH COMMAND-BUILDER: picks a port, runs the
# builder's command, and tries another port if this one was taken.
start_with_retry() {
	local name=$1 path=$2 builder=$3 port rc
	for _ in 1 2 3 4 5; do
		port=$(free_port) || return 1
		"$builder" "$port"
		launch "$name" "$port" "$path" "${CMD[@]}"
		rc=$?
		if [ $rc -eq 0 ]; then
			PORT=$port
			return 0
		fi
		[ $rc -eq 2 ] || return 1
	done
	return 1
}

unavailable() { # CLOUD reason
	local cloud=$1 reason=$2
	cloud_log "$reason"
	printf 'export MLFORM_TEST_%s_UNAVAILABLE=%q\n' "$cloud" "$reason" >>"$envfile"
	FAILED=1
}

# The *_cmd builders are called indirectly, by start_with_retry.
# shellcheck disable=SC2317
s3_cmd() {
	mkdir -p "$dir/s3-data"
	CMD=(env "ROOT_ACCESS_KEY_ID=$S3_ACCESS" "ROOT_SECRET_ACCESS_KEY=$S3_SECRET"
		"$VERSITYGW" --port "127.0.0.1:$1" --region us-east-1 --quiet
		posix --sidecar "$dir/s3-meta" "$dir/s3-data")
	mkdir -p "$dir/s3-meta"
}

# shellcheck disable=SC2317
gcs_cmd() {
	CMD=("$FAKE_GCS" -scheme http -host 127.0.0.1 -port "$1"
		-public-host "127.0.0.1:$1" -external-url "http://127.0.0.1:$1"
		-backend filesystem -filesystem-root "$dir/gcs-data" -log-level error)
}

# shellcheck disable=SC2317
azure_cmd() {
	mkdir -p "$dir/azure-data"
	CMD=("$AZURITE_BLOB" --blobHost 127.0.0.1 --blobPort "$1" --location "$dir/azure-data"
		--disableTelemetry --skipApiVersionCheck --loose --silent)
}

# start_server NAME CLOUD BINARY SERVER READYPATH: starts SERVER (the
# program BINARY) with the command NAME_cmd builds, or says why CLOUD is
# unavailable and fails.
start_server() {
	local name=$1 cloud=$2 bin=$3 server=$4 path=$5
	if [ ! -x "$bin" ]; then
		unavailable "$cloud" "cloud tests: $server not available (install Go tools / npm to run them: scripts/cloud/install.sh)"
		return 1
	fi
	if ! start_with_retry "$name" "$path" "${name}_cmd"; then
		unavailable "$cloud" "cloud tests: $server did not start: $(tail -n 3 "$dir/$name.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
}

start_s3() {
	# Fresh random credentials per run: a distinctive secret that the tests
	# can look for in every output.
	S3_ACCESS="mlformtest$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	S3_SECRET="mlform-secret-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
	start_server s3 S3 "$VERSITYGW" versitygw / || return
	cat >>"$envfile" <<-ENV
		export MLFORM_TEST_S3_ENDPOINT=http://127.0.0.1:$PORT
		export AWS_ACCESS_KEY_ID=$S3_ACCESS
		export AWS_SECRET_ACCESS_KEY=$S3_SECRET
		export AWS_REGION=us-east-1
		export AWS_EC2_METADATA_DISABLED=true
		unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
	ENV
	STARTED+=("s3 (versitygw) 127.0.0.1:$PORT")
}

start_gcs() {
	start_server gcs GCS "$FAKE_GCS" fake-gcs-server /storage/v1/b || return
	cat >>"$envfile" <<-ENV
		export MLFORM_TEST_GCS_HOST=127.0.0.1:$PORT
		export STORAGE_EMULATOR_HOST=127.0.0.1:$PORT
		unset STORAGE_EMULATOR_HOST_GRPC
	ENV
	STARTED+=("gcs (fake-gcs-server) 127.0.0.1:$PORT")
}

start_azure() {
	if [ -x "$AZURITE_BLOB" ] && ! command -v node >/dev/null 2>&1; then
		unavailable AZURE "cloud tests: azurite not available: node not found on PATH"
		return
	fi
	start_server azure AZURE "$AZURITE_BLOB" azurite '/devstoreaccount1?comp=list' || return
	cat >>"$envfile" <<-ENV
		export MLFORM_TEST_AZURE_DOMAIN=127.0.0.1:$PORT
		export AZURE_STORAGE_ACCOUNT=$AZURITE_ACCOUNT
		export AZURE_STORAGE_KEY='$AZURITE_KEY'
		unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGEBLOB_CONNECTIONSTRING AZURE_STORAGE_SAS_TOKEN
		unset AZURE_STORAGE_DOMAIN AZURE_STORAGE_PROTOCOL AZURE_STORAGE_IS_CDN AZURE_STORAGE_IS_LOCAL_EMULATOR
	ENV
	STARTED+=("azure (azurite) 127.0.0.1:$PORT")
}

FAILED=0
STARTED=()
for w in "${want[@]}"; do
	case $w in
	s3) start_s3 ;;
	gcs) start_gcs ;;
	azure) start_azure ;;
	*)
		cloud_log "unknown server $w (want s3, gcs or azure)"
		exit 2
		;;
	esac
done
if [ ${#STARTED[@]} -gt 0 ]; then
	list=$(printf '%s, ' "${STARTED[@]}")
	cloud_log "started: ${list%, }"
fi
if [ $FAILED -ne 0 ] && cloud_required; then
	cloud_log "MLFORM_REQUIRE_CLOUD_TESTS=1: every cloud server must start"
	exit 1
fi
exit 0
