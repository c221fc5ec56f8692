#!/usr/bin/env bash
# Stops the job with a savepoint (the way to stop it for an upgrade or a move).
#   FLINK_HOME=/opt/flink deploy/standalone/stop-with-savepoint.sh JOB_ID [SAVEPOINT_DIR]
# Prints Flink's "Savepoint completed. Path: <path>": give that path to resume.sh.
# Without SAVEPOINT_DIR, the cluster's execution.checkpointing.savepoint-dir is used.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
[ $# -ge 1 ] || { echo "usage: $0 JOB_ID [SAVEPOINT_DIR]" >&2; exit 2; }
job_id="$1"
# shellcheck disable=SC2086
exec "$FLINK_HOME/bin/flink" stop ${FLINK_OPTS:-} ${2:+--savepointPath "$2"} "$job_id"
