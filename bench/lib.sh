# Shell functions shared by bench/users-me.sh and bench/vs-keycloak.sh. Source it from the
# repository's root (the scripts cd there first).

# The newest JDK on the machine (virtual threads are on from Java 21): sets JAVA_BIN and JAVA_MAJOR.
pick_java() {
  local found
  found=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r j; do
    v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); echo "$v $j"; done | sort -n | tail -1)
  JAVA_BIN=$(echo "$found" | cut -s -d' ' -f2)
  JAVA_BIN=${JAVA_BIN:-java}
  JAVA_MAJOR=$("$JAVA_BIN" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
}

ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    echo "Installing wrk from the system packages..." >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
  fi
}

# A TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the Discord stand-in and Portal on a fresh data directory under $WORK, and waits for readiness.
# Uses WORK, PORT, FAKE_PORT, JAVA_BIN, JAVA_OPTS and PORTAL_ENV (extra NAME=value settings); sets FAKE_PID and
# PORTAL_PID (the java process).
start_portal() {
  python3 bench/fake_providers.py "$FAKE_PORT" & FAKE_PID=$!

  PORTAL_DATA_DIR="$WORK/data" SERVER_PORT=$PORT PORTAL_PUBLIC_URL="http://127.0.0.1:$PORT" \
  PORTAL_SIGNIN_DISCORD_CLIENT_ID=bench PORTAL_SIGNIN_DISCORD_CLIENT_SECRET=bench-secret \
  PORTAL_SIGNIN_DISCORD_AUTHORIZE_URL="http://127.0.0.1:$FAKE_PORT/oauth2/authorize" \
  PORTAL_SIGNIN_DISCORD_TOKEN_URL="http://127.0.0.1:$FAKE_PORT/oauth2/token" \
  PORTAL_SIGNIN_DISCORD_API_URL="http://127.0.0.1:$FAKE_PORT/api" \
    env ${PORTAL_ENV:-} "$JAVA_BIN" ${JAVA_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g} -jar target/portal.jar > "$WORK/portal.log" 2>&1 & PORTAL_PID=$!

  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.5
  done
  curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null || { cat "$WORK/portal.log"; stop_portal; exit 1; }
}

stop_portal() {
  [ -n "${PORTAL_PID:-}" ] && kill "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null || true
  [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null || true
}

# Signs in as a browser would: login -> provider -> callback, keeping cookies. Sets SESSION (the
# psession cookie's value).
portal_sign_in() {
  local jar="$WORK/cookies" authorize callback
  authorize=$(curl -s -c "$jar" -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$PORT/v1/auth/discord/login?redirect=/")
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize")
  curl -s -b "$jar" -c "$jar" -o /dev/null "$callback"
  SESSION=$(awk '$6 == "psession" {print $7}' "$jar")
  [ -n "$SESSION" ] || { echo "sign-in failed" >&2; cat "$WORK/portal.log"; exit 1; }
  curl -sf -H "Cookie: psession=$SESSION" "http://127.0.0.1:$PORT/v1/users/me" > "$WORK/me.json"
}

# to_ms "1.23ms" -> 1.23
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

# wrk_figures FILE: reads wrk --latency output; sets RPS, P50, P99 (ms) and NON2XX (empty when none).
wrk_figures() {
  RPS=$(awk '/Requests\/sec/ {print $2}' "$1")
  P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$1")")
  P99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$1")")
  NON2XX=$(awk '/Non-2xx/ {print $NF}' "$1")
}

# Resident memory of a process in MiB (VmRSS, or the field given, e.g. VmHWM for the peak).
rss_mib() { awk -v f="${2:-VmRSS}:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null; }

# Seconds in a wrk-style duration: 90, 90s, 5m, 1h.
seconds() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /m$/) n *= 60; else if (v ~ /h$/) n *= 3600; printf "%d", n }'; }
