# Shared by the standalone scripts: checks the environment and finds the job jar.
: "${FLINK_HOME:?set FLINK_HOME to the Flink 1.20 installation whose bin/flink talks to the cluster}"
[ -x "$FLINK_HOME/bin/flink" ] || { echo "no executable $FLINK_HOME/bin/flink" >&2; exit 2; }

job_jar() {
  if [ -n "${JOB_JAR:-}" ]; then
    echo "$JOB_JAR"
    return
  fi
  local jar
  jar="$(ls "$(dirname "${BASH_SOURCE[0]}")"/../../target/dashboard-metrics-flink-*-job.jar 2>/dev/null | head -n 1 || true)"
  [ -n "$jar" ] || { echo "no job jar: run mvn -q package -DskipTests, or set JOB_JAR" >&2; exit 2; }
  echo "$jar"
}

if [ "${1:-}" != "--help" ] && [ -z "${DASHBOARD_METRICS_DB_PASSWORD+x}" ] && [ "$(basename "$0")" != "stop-with-savepoint.sh" ]; then
  echo "set DASHBOARD_METRICS_DB_PASSWORD (the job reads the database password only from the environment)" >&2
  exit 2
fi
