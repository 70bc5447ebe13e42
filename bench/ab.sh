#!/usr/bin/env bash
# Two Portals side by side on one machine, each on a fresh embedded database with a Discord stand-in and
# a user signed in through the real OAuth flow, measured in turns: GET /v1/users/me with the cookie on A,
# then on B, ROUNDS times, so both see the same machine. A is the baseline and B the candidate: it prints
# each round, the medians, B/A (what the candidate keeps of the baseline's throughput), and each
# Portal's resident memory (the largest VmRSS sampled under load, VmHWM since start, VmRSS at the end).
#
#   bench/ab.sh metrics   # A: PORTAL_METRICS_ENABLED=false, B: metrics on (the default)
#   bench/ab.sh memory    # A: -XX:+UseParallelGC -Xms1g -Xmx1g, B: the README's small settings
#   A_NAME=x A_OPTS="..." A_ENV="PORTAL_X=1" B_NAME=y B_OPTS="..." B_ENV="" bench/ab.sh
#   ROUNDS=5 DURATION=30s WARMUP=30s bench/ab.sh metrics
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

DURATION=${DURATION:-15s}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-20s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
BIG="-XX:+UseParallelGC -Xms1g -Xmx1g"
# The README's recommended settings for a small container (see "Memory").
SMALL=${SMALL_OPTS:-"-XX:+UseParallelGC -Xms64m -Xmx64m -Xss256k -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=16m -XX:CICompilerCount=2 -XX:+UseCompactObjectHeaders -XX:TrimNativeHeapInterval=2000"}

case "${1:-}" in
  metrics) A_NAME=${A_NAME:-metrics-off}; A_OPTS=${A_OPTS:-$BIG}; A_ENV=${A_ENV:-PORTAL_METRICS_ENABLED=false}
           B_NAME=${B_NAME:-metrics-on}; B_OPTS=${B_OPTS:-$BIG}; B_ENV=${B_ENV:-} ;;
  memory)  A_NAME=${A_NAME:-heap-1g}; A_OPTS=${A_OPTS:-$BIG}; A_ENV=${A_ENV:-}
           B_NAME=${B_NAME:-small}; B_OPTS=${B_OPTS:-$SMALL}; B_ENV=${B_ENV:-MALLOC_ARENA_MAX=2} ;;
  "")      : "${A_OPTS:?give a preset (metrics, memory) or A_OPTS and B_OPTS}" ;;
  *)       echo "unknown preset $1 (metrics, memory)" >&2; exit 2 ;;
esac
A_NAME=${A_NAME:-A}; B_NAME=${B_NAME:-B}; B_OPTS=${B_OPTS:-$A_OPTS}; A_ENV=${A_ENV:-}; B_ENV=${B_ENV:-}

pick_java
ensure_wrk
[ -f target/portal.jar ] || mvn -q package -DskipTests

ROOT=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$ROOT"
}
trap cleanup EXIT

# start_side NAME OPTS ENV: a Portal of its own; sets <NAME>_PORT, <NAME>_PID, <NAME>_SESSION.
start_side() {
  local side=$1 opts=$2 envs=$3
  WORK="$ROOT/$side"; mkdir -p "$WORK"
  PORT=$(free_port); FAKE_PORT=$(free_port); JAVA_OPTS=$opts
  PORTAL_ENV=$envs start_portal
  PIDS+=("$PORTAL_PID" "$FAKE_PID")
  portal_sign_in
  eval "${side}_PORT=$PORT ${side}_PID=$PORTAL_PID ${side}_SESSION=$SESSION ${side}_WORK=$WORK"
}

start_side A "$A_OPTS" "$A_ENV"
start_side B "$B_OPTS" "$B_ENV"

echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $("$JAVA_BIN" -version 2>&1 | head -1), $(nproc) cores"
echo "A = $A_NAME: ${A_ENV:+$A_ENV }$A_OPTS"
echo "B = $B_NAME: ${B_ENV:+$B_ENV }$B_OPTS"
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION GET /v1/users/me (cookie), $ROUNDS rounds, warm-up $WARMUP each"

measure() { # side duration -> wrk output in $ROOT/<side>.txt; the largest VmRSS seen meanwhile in $ROOT/<side>.rss
  local side=$1 port session pid sampler
  port=$(eval echo "\$${side}_PORT"); session=$(eval echo "\$${side}_SESSION"); pid=$(eval echo "\$${side}_PID")
  ( while sleep 0.5; do
      now=$(rss_mib "$pid"); max=$(cat "$ROOT/$side.rss" 2>/dev/null || echo 0)
      [ -n "$now" ] && [ "$now" -gt "$max" ] && echo "$now" > "$ROOT/$side.rss"
    done ) & sampler=$!
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -H "Cookie: psession=$session" \
    "http://127.0.0.1:$port/v1/users/me" > "$ROOT/$side.txt"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
}
measure A "$WARMUP"; measure B "$WARMUP"

printf '%-6s %-14s %12s %8s %8s %s\n' round side requests/s p50_ms p99_ms
A_ALL=(); B_ALL=()
for round in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    measure "$side" "$DURATION"
    wrk_figures "$ROOT/$side.txt"
    name=$(eval echo "\$${side}_NAME")
    printf '%-6s %-14s %12.0f %8s %8s %s\n' "$round" "$name" "$RPS" "$P50" "$P99" "${NON2XX:+ non-2xx: $NON2XX}"
    if [ "$side" = A ]; then A_ALL+=("$RPS"); else B_ALL+=("$RPS"); fi
  done
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
A_MED=$(median "${A_ALL[@]}"); B_MED=$(median "${B_ALL[@]}")
awk -v a="$A_MED" -v b="$B_MED" -v an="$A_NAME" -v bn="$B_NAME" \
  'BEGIN { printf "median requests/s: %s %.0f, %s %.0f; %s / %s = %.1f %%\n", an, a, bn, b, bn, an, 100 * b / a }'
for side in A B; do
  pid=$(eval echo "\$${side}_PID"); name=$(eval echo "\$${side}_NAME")
  printf 'resident memory of %s: largest under load %s MiB, peak since start (VmHWM) %s MiB, now %s MiB\n' "$name" \
    "$(cat "$ROOT/$side.rss" 2>/dev/null || echo '?')" "$(rss_mib "$pid" VmHWM)" "$(rss_mib "$pid")"
done
