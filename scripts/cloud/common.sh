# shellcheck shell=bash disable=SC2034  # variables are used by the scripts that source this
# Shared settings for the cloud-server test scripts; sourced, not run.
#
# The servers are test tools, not mlform dependencies: they are installed
# into a cache outside the checkout (nothing is committed) and reused by
# every later run on the same machine.

CLOUD_CACHE="${MLFORM_CLOUD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlform-cloud}"
CLOUD_BIN="$CLOUD_CACHE/bin"
CLOUD_NPM="$CLOUD_CACHE/npm"

# Pinned versions (issue 6). Changing one reinstalls it on the next run.
VERSITYGW_VERSION=v1.8.0
FAKE_GCS_VERSION=v1.56.1
AZURITE_VERSION=3.35.0

VERSITYGW="$CLOUD_BIN/versitygw-$VERSITYGW_VERSION"
FAKE_GCS="$CLOUD_BIN/fake-gcs-server-$FAKE_GCS_VERSION"
AZURITE_DIR="$CLOUD_NPM/azurite-$AZURITE_VERSION"
AZURITE_BLOB="$AZURITE_DIR/node_modules/.bin/azurite-blob"

# cloud_required reports whether a server that cannot be installed or
# started must fail the run (CI) rather than skip its tests.
cloud_required() { [ "${MLFORM_REQUIRE_CLOUD_TESTS:-}" = 1 ]; }

cloud_log() { echo "cloud: $*" >&2; }

# shellcheck source=scripts/lib/services.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/services.sh"
