#!/usr/bin/env bash
# Resumes the job from a savepoint (or retained checkpoint), detached; the same build or a newer
# one (docs/deploying.md lists the operator uids and what keeps state compatible).
#   FLINK_HOME=/opt/flink DASHBOARD_METRICS_DB_PASSWORD=... deploy/standalone/resume.sh SAVEPOINT_PATH \
#       --db-url jdbc:postgresql://db:5432/unstract --db-user dashboard_metrics [run options]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
[ $# -ge 1 ] || { echo "usage: $0 SAVEPOINT_PATH [run options]" >&2; exit 2; }
savepoint="$1"
shift
# shellcheck disable=SC2086
exec "$FLINK_HOME/bin/flink" run -d -s "$savepoint" ${FLINK_OPTS:-} "$(job_jar)" run "$@"
