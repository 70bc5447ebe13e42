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

# The newest JDK on the machine runs Portal (virtual threads are on from Java 21).
JAVA_BIN=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r j; do
  v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); echo "$v $j"; done | sort -n | tail -1 | cut -d' ' -f2)
JAVA_BIN=${JAVA_BIN:-java}

if ! command -v wrk >/dev/null; then
  echo "Installing wrk from the system packages..." >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
[ -f target/portal.jar ] || mvn -q package -DskipTests

WORK=$(mktemp -d)
cleanup() {
  [ -n "${PORTAL_PID:-}" ] && kill "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null || true
  [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

python3 bench/fake_providers.py "$FAKE_PORT" & FAKE_PID=$!

PORTAL_DATA_DIR="$WORK/data" SERVER_PORT=$PORT PORTAL_PUBLIC_URL="http://127.0.0.1:$PORT" \
PORTAL_SIGNIN_DISCORD_CLIENT_ID=bench PORTAL_SIGNIN_DISCORD_CLIENT_SECRET=bench-secret \
PORTAL_SIGNIN_DISCORD_AUTHORIZE_URL="http://127.0.0.1:$FAKE_PORT/oauth2/authorize" \
PORTAL_SIGNIN_DISCORD_TOKEN_URL="http://127.0.0.1:$FAKE_PORT/oauth2/token" \
PORTAL_SIGNIN_DISCORD_API_URL="http://127.0.0.1:$FAKE_PORT/api" \
  "$JAVA_BIN" ${JAVA_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g} -jar target/portal.jar > "$WORK/portal.log" 2>&1 & PORTAL_PID=$!

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null || { cat "$WORK/portal.log"; exit 1; }

# Sign in as a browser would: login -> provider -> callback, keeping cookies.
JAR="$WORK/cookies"
authorize=$(curl -s -c "$JAR" -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$PORT/v1/auth/discord/login?redirect=/")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize")
curl -s -b "$JAR" -c "$JAR" -o /dev/null "$callback"
SESSION=$(awk '$6 == "psession" {print $7}' "$JAR")
[ -n "$SESSION" ] || { echo "sign-in failed" >&2; cat "$WORK/portal.log"; exit 1; }
curl -sf -H "Cookie: psession=$SESSION" "http://127.0.0.1:$PORT/v1/users/me" > "$WORK/me.json"

# to_ms "1.23ms" -> 1.23
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

run() { # name, path, extra wrk args...
  local name=$1 path=$2; shift 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT$path" > "$WORK/$name.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$name.txt")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$name.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$name.txt")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/$name.txt")
  printf '%-32s %12.0f %10s %10s %s\n' "$path" "$rps" "$p50" "$p99" "${non2xx:+ non-2xx: $non2xx}"
  eval "${name}_RPS=$rps"
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
