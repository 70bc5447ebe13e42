#!/usr/bin/env bash
# Where /v1/users/me's p99 comes from. Starts Portal (fresh embedded database, Discord stand-in, a user
# signed in through the OAuth flow) in a few ways, one after another, and for each runs
# wrk -t2 -c64 --latency (15 s after a warm-up), printing requests/s, p50, p90, p99, the slowest and the
# GC pauses that fell inside the measured window (from -Xlog:gc):
#   default      the README's settings (virtual threads, -XX:+UseParallelGC -Xms1g -Xmx1g)
#   platform-N   virtual threads off, Tomcat's pool at N threads (platform-4, platform-8, ...)
#   carriers-N   virtual threads on N carriers (-Djdk.virtualThreadScheduler.parallelism=N; the default is
#                the number of cores)
#   pinned       default settings, Portal's JVM on core 0 and wrk on core 1 (taskset); its PostgreSQL, which
#                this cached request does not use, is not pinned
#
#   bench/tail.sh
#   WAYS="default pinned" DURATION=30s bench/tail.sh
#   BASE="-XX:+UseParallelGC -Xmx64m ..." WAYS=default bench/tail.sh   # other JVM settings for every way
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-20s}
WAYS=${WAYS:-default platform-2 platform-4 platform-8 platform-16 carriers-1 carriers-4 pinned}
BASE=${BASE:-"-XX:+UseParallelGC -Xms1g -Xmx1g"}
pick_java
ensure_wrk
[ -f target/portal.jar ] || mvn -q package -DskipTests
ROOT=$(mktemp -d)
trap 'stop_portal; rm -rf "$ROOT"' EXIT

echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $("$JAVA_BIN" -version 2>&1 | head -1), $(nproc) cores"
echo "wrk -t2 -c64 -d$DURATION --latency GET /v1/users/me (cookie), warm-up $WARMUP"
printf '%-12s %10s %7s %7s %7s %8s   %s\n' way requests/s p50_ms p90_ms p99_ms max_ms "GC pauses in the window: count, total ms, longest ms"
for way in $WAYS; do
  WORK="$ROOT/$way"; mkdir -p "$WORK"; PORT=$(free_port); FAKE_PORT=$(free_port)
  GC_LOG="$WORK/gc.log"; WRK=(wrk); PORTAL_ENV=""
  JAVA_OPTS="$BASE -Xlog:gc:file=$GC_LOG:timemillis"
  case $way in
    default) ;;
    platform-*) n=${way#platform-}
                PORTAL_ENV="SPRING_THREADS_VIRTUAL_ENABLED=false SERVER_TOMCAT_THREADS_MAX=$n SERVER_TOMCAT_THREADS_MIN_SPARE=$n" ;;
    carriers-*) JAVA_OPTS="$JAVA_OPTS -Djdk.virtualThreadScheduler.parallelism=${way#carriers-}" ;;
    pinned) WRK=(taskset -c 1 wrk) ;;
    *) echo "unknown way $way" >&2; exit 2 ;;
  esac
  start_portal
  [ "$way" = pinned ] && taskset -a -p -c 0 "$PORTAL_PID" > /dev/null
  portal_sign_in
  "${WRK[@]}" -t2 -c64 -d"$WARMUP" -H "Cookie: psession=$SESSION" "http://127.0.0.1:$PORT/v1/users/me" > /dev/null
  window_start=$(date +%s%3N)
  "${WRK[@]}" -t2 -c64 -d"$DURATION" --latency -H "Cookie: psession=$SESSION" \
    "http://127.0.0.1:$PORT/v1/users/me" > "$WORK/wrk.txt"
  window_end=$(date +%s%3N)
  wrk_figures "$WORK/wrk.txt"
  p90=$(to_ms "$(awk '$1 == "90%" {print $2}' "$WORK/wrk.txt")")
  max=$(to_ms "$(awk '$1 == "Latency" {print $4; exit}' "$WORK/wrk.txt")")
  # -Xlog:gc lines: [1764686401123ms] GC(12) Pause Young (Allocation Failure) 340M->12M(1004M) 1.234ms
  gc=$(python3 - "$GC_LOG" "$window_start" "$window_end" <<'PY'
import re, sys
log, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pauses = [float(m.group(2)) for m in (re.match(r"\[(\d+)ms\].*Pause.* ([0-9.]+)ms$", l.strip()) for l in open(log))
          if m and start <= int(m.group(1)) <= end]
print("%d, %.1f, %.1f" % (len(pauses), sum(pauses), max(pauses, default=0)))
PY
)
  printf '%-12s %10.0f %7s %7s %7s %8s   %s\n' "$way" "$RPS" "$P50" "$p90" "$P99" "$max" "$gc"
  stop_portal
done
