#!/usr/bin/env bash
# Benchmark: GET /v1/users/me for a signed-in user, beside GET /actuator/health/liveness as this
# machine's ceiling. Builds Portal, starts it on a fresh embedded database with a Discord stand-in,
# signs a user in through the real OAuth flow, then drives both endpoints with wrk and prints
# requests/s, p50, p99 and their ratio.
#
#   bench/users-me.sh            # 15 s per endpoint, 64 connections, 2 wrk threads
#   DURATION=30s bench/users-me.sh
#   JAVA_OPTS="-Xmx1g" bench/users-me.sh   # default: -XX:+UseParallelGC -Xms1g -Xmx1g (see README)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
FAKE_PORT=${FAKE_PORT:-18081}

. bench/lib.sh
pick_java
ensure_wrk
[ -f target/portal.jar ] || mvn -q package -DskipTests

WORK=$(mktemp -d)
cleanup() {
  stop_portal
  rm -rf "$WORK"
}
trap cleanup EXIT

start_portal
portal_sign_in

run() { # name, path, extra wrk args...
  local name=$1 path=$2; shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT$path" > "$WORK/$name.txt"
  wrk_figures "$WORK/$name.txt"
  printf '%-32s %12.0f %10s %10s %s\n' "$path" "$RPS" "$P50" "$P99" "${NON2XX:+ non-2xx: $NON2XX}"
  eval "${name}_RPS=$RPS"
}

echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $("$JAVA_BIN" -version 2>&1 | head -1)"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores"
# Warm both paths first, so the JIT has compiled the shared code before either is measured.
for _ in 1 2; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d${WARMUP:-10s} "http://127.0.0.1:$PORT/actuator/health/liveness" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d${WARMUP:-10s} -H "Cookie: psession=$SESSION" "http://127.0.0.1:$PORT/v1/users/me" >/dev/null
done
printf '%-32s %12s %10s %10s\n' endpoint requests/s p50_ms p99_ms
run liveness /actuator/health/liveness
run me /v1/users/me -H "Cookie: psession=$SESSION"
awk -v me="$me_RPS" -v live="$liveness_RPS" 'BEGIN { printf "ratio /v1/users/me : liveness = %.0f %%\n", 100 * me / live }'
