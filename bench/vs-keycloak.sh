#!/usr/bin/env bash
# Benchmark: Keycloak 26's OIDC userinfo endpoint (bearer access token) against Portal's
# GET /v1/users/me with a session cookie and with a personal access token, on the same machine.
#
# Fetches the org.keycloak:keycloak-quarkus-dist zip from Maven Central (cached under
# ~/.cache/portal-bench), builds it once for PostgreSQL, and starts it in production mode
# (kc.sh start --optimized) on a throwaway cluster of Debian's PostgreSQL (installed if missing).
# Creates a realm, a public client with direct access grants and a user through the admin REST API,
# and gets the user an access token with a password grant. Starts Portal as bench/users-me.sh does
# (fresh embedded database, Discord stand-in, sign-in through the OAuth flow) and creates a personal
# access token with the session cookie. Warms Keycloak up (WARMUP, 5 minutes by default: its JIT
# needs that on 2 cores) and each Portal variant (PORTAL_WARMUP), then runs ROUNDS rounds of
# Keycloak, Portal cookie, Portal token with wrk, one after another, and prints each measurement,
# the median ratios and both Java processes' resident memory.
#
#   bench/vs-keycloak.sh                              # 5 min warm-up, 3 rounds of 15 s each
#   WARMUP=20s ROUNDS=1 DURATION=5s bench/vs-keycloak.sh   # a quick try
#   KC_VERSION=26.5.6 bench/vs-keycloak.sh
#   JAVA_OPTS="-Xmx1g" bench/vs-keycloak.sh    # Portal; default: -XX:+UseParallelGC -Xms1g -Xmx1g
#   KC_HEAP="-Xms1g -Xmx1g" bench/vs-keycloak.sh   # Keycloak's JAVA_OPTS_KC_HEAP (this default)
#   LOGS=/tmp/kc-logs bench/vs-keycloak.sh     # keep Portal's, Keycloak's and PostgreSQL's logs there
#
# WARMUP (300s) is Keycloak's, run in WARMUP_STEP (60s) steps whose requests/s are printed;
# PORTAL_WARMUP (60s, or WARMUP if shorter) is each Portal variant's.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

KC_VERSION=${KC_VERSION:-26.7.3}
WARMUP=${WARMUP:-300s}
WARMUP_S=$(seconds "$WARMUP")
WARMUP_STEP=${WARMUP_STEP:-60s}
PORTAL_WARMUP=${PORTAL_WARMUP:-$(( WARMUP_S < 60 ? WARMUP_S : 60 ))s}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
PORT=${PORT:-$(free_port)}
FAKE_PORT=${FAKE_PORT:-$(free_port)}
KC_PORT=${KC_PORT:-$(free_port)}
KC_MGMT_PORT=${KC_MGMT_PORT:-$(free_port)}
PG_PORT=${PG_PORT:-$(free_port)}
KC_HEAP=${KC_HEAP:--Xms1g -Xmx1g}
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portal-bench}
KC_BUILD_OPTS="--db=postgres --cache=local --health-enabled=true"

pick_java
[ "${JAVA_MAJOR:-0}" -ge 21 ] || { echo "Keycloak 26 needs Java 21 or newer; the newest here is $JAVA_BIN ($JAVA_MAJOR)" >&2; exit 1; }
JDK_HOME=$(dirname "$(dirname "$(readlink -f "$JAVA_BIN")")")
ensure_wrk
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL from the system packages..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
[ -f target/portal.jar ] || mvn -q package -DskipTests

# Keycloak: the zip once (checked against Central's SHA-1), built for PostgreSQL once, copied per run.
mkdir -p "$CACHE"
ZIP="$CACHE/keycloak-quarkus-dist-$KC_VERSION.zip"
URL="https://repo.maven.apache.org/maven2/org/keycloak/keycloak-quarkus-dist/$KC_VERSION/keycloak-quarkus-dist-$KC_VERSION.zip"
if [ ! -f "$ZIP" ]; then
  echo "Downloading $URL..." >&2
  curl -sSf -o "$ZIP.part" "$URL"
  [ "$(curl -sSf "$URL.sha1" | cut -c1-40)" = "$(sha1sum "$ZIP.part" | cut -c1-40)" ] || { echo "SHA-1 mismatch for $URL" >&2; rm -f "$ZIP.part"; exit 1; }
  mv "$ZIP.part" "$ZIP"
fi
BUILT="$CACHE/keycloak-$KC_VERSION-built"
if [ "$(cat "$BUILT/.bench-build" 2>/dev/null)" != "$KC_BUILD_OPTS" ]; then
  echo "Building Keycloak $KC_VERSION ($KC_BUILD_OPTS)..." >&2
  rm -rf "$BUILT" "$BUILT.tmp"
  mkdir "$BUILT.tmp" && unzip -q "$ZIP" -d "$BUILT.tmp"
  JAVA_HOME=$JDK_HOME "$BUILT.tmp/keycloak-$KC_VERSION/bin/kc.sh" build $KC_BUILD_OPTS > "$CACHE/build-$KC_VERSION.log" 2>&1 \
    || { cat "$CACHE/build-$KC_VERSION.log"; exit 1; }
  mv "$BUILT.tmp/keycloak-$KC_VERSION" "$BUILT" && rmdir "$BUILT.tmp"
  echo "$KC_BUILD_OPTS" > "$BUILT/.bench-build"
fi

WORK=$(mktemp -d)
PG_DIR=$(mktemp -d)  # its own, so that the postgres user can own it
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "${LOGS:-}" ]; then
    mkdir -p "$LOGS" && cp "$WORK"/*.log "$PG_DIR"/*.log "$LOGS"/ 2>/dev/null || true
  fi
  if [ -n "${KC_PID:-}" ]; then
    kill "$KC_PID" 2>/dev/null && wait "$KC_PID" 2>/dev/null || true
    [ -n "${KC_JAVA_PID:-}" ] && kill "$KC_JAVA_PID" 2>/dev/null || true
  fi
  [ -f "$PG_DIR/data/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  stop_portal
  rm -rf "$WORK" "$PG_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# PostgreSQL for Keycloak: a throwaway cluster on a free port (it refuses to run as root).
[ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --no-sync > "$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log"; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w \
  -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null || { cat "$PG_DIR/postgres.log"; exit 1; }
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 \
  -c "create role keycloak login password 'keycloak'" -c "create database keycloak owner keycloak"

# Keycloak in production mode, in this run's copy of the built distribution.
KC_HOME="$WORK/keycloak"
cp -a "$BUILT" "$KC_HOME"
JAVA_HOME=$JDK_HOME JAVA_OPTS_KC_HEAP="$KC_HEAP" \
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=bench-admin \
  "$KC_HOME/bin/kc.sh" start --optimized \
    --db-url="jdbc:postgresql://127.0.0.1:$PG_PORT/keycloak" --db-username=keycloak --db-password=keycloak \
    --http-enabled=true --http-host=127.0.0.1 --http-port="$KC_PORT" --http-management-port="$KC_MGMT_PORT" \
    --hostname-strict=false > "$WORK/keycloak.log" 2>&1 & KC_PID=$!

# Portal beside it, while Keycloak creates its schema.
start_portal
portal_sign_in
TOKEN_JSON=$(curl -sf -X POST -H "Cookie: psession=$SESSION" -H 'Content-Type: application/json' \
  -d '{"name": "vs-keycloak bench"}' "http://127.0.0.1:$PORT/v1/users/me/tokens")
PAT=$(printf '%s' "$TOKEN_JSON" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
curl -sf -H "Authorization: Bearer $PAT" "http://127.0.0.1:$PORT/v1/users/me" >/dev/null \
  || { echo "Portal's /v1/users/me refused the personal access token" >&2; exit 1; }

for _ in $(seq 1 360); do
  curl -sf "http://127.0.0.1:$KC_MGMT_PORT/health/ready" >/dev/null 2>&1 && break
  kill -0 "$KC_PID" 2>/dev/null || break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$KC_MGMT_PORT/health/ready" >/dev/null || { echo "Keycloak did not get ready" >&2; cat "$WORK/keycloak.log"; exit 1; }
KC_JAVA_PID=$(pgrep -f -- "-Dkc.home.dir=$KC_HOME" | head -1 || true)
[ -n "$KC_JAVA_PID" ] || KC_JAVA_PID=$(pgrep -f -- "$KC_HOME/lib" | head -1 || true)
[ -n "$KC_JAVA_PID" ] || { echo "Keycloak's java process not found (pgrep -f $KC_HOME)" >&2; exit 1; }

# Realm, client and user through the admin REST API. Access token and session lifetimes cover the
# whole run (the default access token lives 5 minutes).
KC="http://127.0.0.1:$KC_PORT"
json() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
NEEDED_S=$(( WARMUP_S + 2 * $(seconds "$PORTAL_WARMUP") + 3 * ROUNDS * $(seconds "$DURATION") + 600 ))
LIFESPAN=$(( NEEDED_S > 3600 ? NEEDED_S : 3600 ))
ADMIN=$(curl -sf -d grant_type=password -d client_id=admin-cli -d username=admin -d password=bench-admin \
  "$KC/realms/master/protocol/openid-connect/token" | json access_token)
kc_admin() { # method, path, json body
  curl -sf -X "$1" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "$3" "$KC/admin$2" \
    || { echo "Keycloak admin $1 $2 failed" >&2; exit 1; }
}
kc_admin POST /realms "{\"realm\": \"bench\", \"enabled\": true, \"accessTokenLifespan\": $LIFESPAN,
  \"ssoSessionIdleTimeout\": $LIFESPAN, \"ssoSessionMaxLifespan\": $LIFESPAN}"
kc_admin POST /realms/bench/clients '{"clientId": "bench", "publicClient": true, "directAccessGrantsEnabled": true,
  "standardFlowEnabled": false}'
kc_admin POST /realms/bench/users '{"username": "benchuser", "enabled": true, "email": "bench@example.com",
  "emailVerified": true, "firstName": "Bench", "lastName": "User",
  "credentials": [{"type": "password", "value": "bench-password", "temporary": false}]}'
KC_TOKEN=$(curl -sf -d grant_type=password -d client_id=bench -d username=benchuser -d password=bench-password \
  -d scope=openid "$KC/realms/bench/protocol/openid-connect/token" | json access_token)
USERINFO="$KC/realms/bench/protocol/openid-connect/userinfo"
status=$(curl -s -o "$WORK/userinfo.json" -w '%{http_code}' -H "Authorization: Bearer $KC_TOKEN" "$USERINFO")
[ "$status" = 200 ] || { echo "Keycloak's userinfo answered $status: $(cat "$WORK/userinfo.json")" >&2; exit 1; }

echo "Keycloak $KC_VERSION ($(cat "$KC_HOME/version.txt")), production mode, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}')"
echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $("$JAVA_BIN" -version 2>&1 | head -1), both on $JDK_HOME"
echo "Portal JVM: ${JAVA_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g}; Keycloak JVM: $KC_HEAP, its default G1"
echo "wrk -t$THREADS -c$CONNECTIONS --latency, $ROUNDS round(s) of $DURATION each; warm-up $WARMUP Keycloak, $PORTAL_WARMUP each Portal variant; $(nproc) cores"

alive() { # Both servers must still be up: say which one went away, and how.
  kill -0 "$PORTAL_PID" 2>/dev/null || { echo "Portal (pid $PORTAL_PID) has stopped; the end of its log:" >&2; tail -20 "$WORK/portal.log" >&2; exit 1; }
  kill -0 "$KC_JAVA_PID" 2>/dev/null || { echo "Keycloak (pid $KC_JAVA_PID) has stopped; the end of its log:" >&2; tail -20 "$WORK/keycloak.log" >&2; exit 1; }
}
measure() { # label, url, header
  alive
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$3" "$2" > "$WORK/wrk.txt"
  wrk_figures "$WORK/wrk.txt"
  local errors
  errors=$(sed -n 's/^ *Socket errors: //p' "$WORK/wrk.txt")
  printf '%-6s %-26s %12.0f %10s %10s %8s%s\n' "$round" "$1" "$RPS" "$P50" "$P99" "${NON2XX:-0}" "${errors:+  socket errors: $errors}"
}
KC_AUTH="Authorization: Bearer $KC_TOKEN"
COOKIE="Cookie: psession=$SESSION"
PAT_AUTH="Authorization: Bearer $PAT"
ME="http://127.0.0.1:$PORT/v1/users/me"

# Keycloak's warm-up in steps, each step's requests/s printed: the JIT's progress.
left=$WARMUP_S step=$(seconds "$WARMUP_STEP")
printf 'warm-up Keycloak userinfo, requests/s per %ss step:' "$step"
while [ "$left" -gt 0 ]; do
  s=$(( left < step ? left : step )); left=$(( left - s ))
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${s}s" -H "$KC_AUTH" "$USERINFO" > "$WORK/wrk.txt"
  printf ' %s' "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.txt")"
done
echo
alive
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$PORTAL_WARMUP" -H "$COOKIE" "$ME" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$PORTAL_WARMUP" -H "$PAT_AUTH" "$ME" >/dev/null

kc_db_xacts() {
  "$PG_BIN/psql" -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -c \
    "select xact_commit + xact_rollback from pg_stat_database where datname = 'keycloak'" 2>/dev/null || echo 0
}
XACTS_BEFORE=$(kc_db_xacts)
printf '%-6s %-26s %12s %10s %10s %8s\n' round target requests/s p50_ms p99_ms non-2xx
KC_RPS=() COOKIE_RPS=() PAT_RPS=()
for round in $(seq 1 "$ROUNDS"); do
  measure "Keycloak userinfo" "$USERINFO" "$KC_AUTH"; KC_RPS+=("$RPS")
  measure "Portal /v1/users/me cookie" "$ME" "$COOKIE"; COOKIE_RPS+=("$RPS")
  measure "Portal /v1/users/me token" "$ME" "$PAT_AUTH"; PAT_RPS+=("$RPS")
done

sleep 11  # busy backends flush their statistics at least once a second, idle ones within 10 s
echo "Keycloak's PostgreSQL: $(( $(kc_db_xacts) - XACTS_BEFORE )) transactions during the rounds"

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
cookie_ratios=() pat_ratios=()
for i in "${!KC_RPS[@]}"; do
  cookie_ratios+=("$(awk -v p="${COOKIE_RPS[$i]}" -v k="${KC_RPS[$i]}" 'BEGIN { print p / k }')")
  pat_ratios+=("$(awk -v p="${PAT_RPS[$i]}" -v k="${KC_RPS[$i]}" 'BEGIN { print p / k }')")
done
printf 'median of %d round(s), requests/s: Keycloak %.0f, Portal cookie %.0f, Portal token %.0f\n' "$ROUNDS" \
  "$(median "${KC_RPS[@]}")" "$(median "${COOKIE_RPS[@]}")" "$(median "${PAT_RPS[@]}")"
printf 'median ratio: Portal cookie / Keycloak = %.2f, Portal token / Keycloak = %.2f\n' \
  "$(median "${cookie_ratios[@]}")" "$(median "${pat_ratios[@]}")"
echo "resident memory after the rounds (VmRSS, peak VmHWM; the Java processes only, not their PostgreSQL):"
printf '  Keycloak java (pid %s): %s MiB, peak %s MiB\n' "${KC_JAVA_PID:-?}" "$(rss_mib "${KC_JAVA_PID:-0}")" "$(rss_mib "${KC_JAVA_PID:-0}" VmHWM)"
printf '  Portal java   (pid %s): %s MiB, peak %s MiB\n' "$PORTAL_PID" "$(rss_mib "$PORTAL_PID")" "$(rss_mib "$PORTAL_PID" VmHWM)"
