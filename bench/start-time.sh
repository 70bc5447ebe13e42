#!/usr/bin/env bash
# Start time on an existing database: the time from launching the JVM until /actuator/health/readiness
# answers 200 (the embedded PostgreSQL started, migrations validated, every bean made, Tomcat listening).
# Creates the database once, then starts Portal RUNS times in each way:
#   jdk17-jar   java -jar target/portal.jar on the machine's default JDK
#   jdk25-jar   the same on the newest JDK
#   jdk25-aot   the jar extracted (java -Djarmode=tools ... extract) and started with a JDK 25 AOT cache
#               made by one training run (-XX:AOTCacheOutput, -Dspring.context.exit=onRefresh)
#
#   bench/start-time.sh
#   RUNS=5 bench/start-time.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RUNS=${RUNS:-3}
JAVA_OPTS=${JAVA_OPTS:-}
pick_java
JAVA17=$(command -v java)
[ -f target/portal.jar ] || mvn -q package -DskipTests

WORK=$(mktemp -d)
cleanup() { [ -f "$WORK/pid" ] && kill "$(cat "$WORK/pid")" 2>/dev/null; sleep 1; rm -rf "$WORK"; }
trap cleanup EXIT
PORT=$(free_port)
export PORTAL_DATA_DIR="$WORK/data" SERVER_PORT=$PORT

# ready_ms JAVA ARGS...: launches, waits for readiness, prints the milliseconds, stops it again.
ready_ms() {
  local started now
  started=$(date +%s%N)
  "$@" > "$WORK/portal.log" 2>&1 & PID=$!
  echo "$PID" > "$WORK/pid"   # for the trap: this runs in $(...), whose variables it cannot see
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/actuator/health/readiness"; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/portal.log" >&2; exit 1; }
    sleep 0.02
  done
  now=$(date +%s%N)
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  echo $(( (now - started) / 1000000 ))
}

echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores; $RUNS starts each on an existing database"
ready_ms "$JAVA17" $JAVA_OPTS -jar target/portal.jar > /dev/null   # creates the database

"$JAVA_BIN" -Djarmode=tools -jar target/portal.jar extract --destination "$WORK/app" > /dev/null
"$JAVA_BIN" $JAVA_OPTS -XX:AOTCacheOutput="$WORK/app/portal.aot" -Dspring.context.exit=onRefresh \
  -jar "$WORK/app/portal.jar" > "$WORK/training.log" 2>&1 || { cat "$WORK/training.log" >&2; exit 1; }

echo "jdk17: $("$JAVA17" -version 2>&1 | head -1); jdk25: $("$JAVA_BIN" -version 2>&1 | head -1)"
printf '%-10s %-40s %s\n' way "ready ms (each start)" median
for way in jdk17-jar jdk25-jar jdk25-aot; do
  times=()
  for _ in $(seq 1 "$RUNS"); do
    case $way in
      jdk17-jar) times+=("$(ready_ms "$JAVA17" $JAVA_OPTS -jar target/portal.jar)") ;;
      jdk25-jar) times+=("$(ready_ms "$JAVA_BIN" $JAVA_OPTS -jar target/portal.jar)") ;;
      jdk25-aot) times+=("$(ready_ms "$JAVA_BIN" $JAVA_OPTS -XX:AOTCache="$WORK/app/portal.aot" -jar "$WORK/app/portal.jar")") ;;
    esac
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  printf '%-10s %-40s %s\n' "$way" "${times[*]}" "$median"
done
grep -o 'Started PortalApplication in [0-9.]* seconds (process running for [0-9.]*)' "$WORK/portal.log" | sed 's/^/last aot start: /'
