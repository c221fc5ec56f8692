#!/usr/bin/env bash
# Submits the job to a running Flink session cluster, detached, starting fresh.
#   FLINK_HOME=/opt/flink DASHBOARD_METRICS_DB_PASSWORD=... deploy/standalone/submit.sh \
#       --db-url jdbc:postgresql://db:5432/unstract --db-user dashboard_metrics [run options]
# Prints Flink's "Job has been submitted with JobID <id>". FLINK_OPTS passes options to
# `flink run` (e.g. "-m jobmanager:8081 -p 2"); JOB_JAR overrides the jar (default: target/*-job.jar).
# A first deployment writes shadow tables (--rollup-db-schema unstract_rebuild) and switches with
# promote: docs/deploying.md, "First deployment".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=common.sh
. "$here/common.sh"
# shellcheck disable=SC2086
exec "$FLINK_HOME/bin/flink" run -d ${FLINK_OPTS:-} "$(job_jar)" run "$@"
