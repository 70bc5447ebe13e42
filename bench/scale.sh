#!/usr/bin/env bash
# Scale benchmark: GET /v1/users searches and the elevated user view over 1,000,000 users. Builds Portal
# if needed, starts it on a fresh embedded database with PORTAL_BOOTSTRAP_TOKEN (an Owner token), seeds
# the users straight into its PostgreSQL with set-based SQL (every user has a Discord identity, every
# third a GitHub one, a few have history, one user has 200 of every list), ANALYZEs, then drives each
# request with ONE client (wrk -t1 -c1) and prints requests/s, p50 and p99 and EXPLAIN (ANALYZE, BUFFERS)
# of the SQL behind each.
#
#   bench/scale.sh                      # 1,000,000 users, 15 s per request after a 5 s warm-up
#   USERS=100000 DURATION=5s bench/scale.sh
#   JAVA_OPTS="-Xmx1g" bench/scale.sh   # default: -XX:+UseParallelGC -Xms1g -Xmx1g
#   KEEP=1 bench/scale.sh               # afterwards keep Portal and its seeded database up until Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-1000000}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-5s}
PORT=${PORT:-18090}
TOKEN=bench-owner-token-$(date +%s)-0123456789abcdef

# The newest JDK on the machine runs Portal (virtual threads are on from Java 21).
JAVA_BIN=$(ls -d /usr/lib/jvm/*/bin/java 2>/dev/null | while read -r j; do
  v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); echo "$v $j"; done | sort -n | tail -1 | cut -d' ' -f2)
JAVA_BIN=${JAVA_BIN:-java}

if ! command -v wrk >/dev/null; then
  echo "Installing wrk from the system packages..." >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
if ! command -v psql >/dev/null; then
  echo "Installing psql from the system packages..." >&2
  apt-get update -qq >/dev/null && apt-get install -y -qq postgresql-client >/dev/null
fi
[ -f target/portal.jar ] || mvn -q package -DskipTests

WORK=$(mktemp -d)
cleanup() {
  [ -n "${PORTAL_PID:-}" ] && kill "$PORTAL_PID" 2>/dev/null && wait "$PORTAL_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORTAL_DATA_DIR="$WORK/data" SERVER_PORT=$PORT PORTAL_PUBLIC_URL="http://127.0.0.1:$PORT" \
PORTAL_BOOTSTRAP_TOKEN="$TOKEN" \
  "$JAVA_BIN" ${JAVA_OPTS:--XX:+UseParallelGC -Xms1g -Xmx1g} -jar target/portal.jar > "$WORK/portal.log" 2>&1 & PORTAL_PID=$!

for _ in $(seq 1 240); do
  curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1 && break; sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null || { cat "$WORK/portal.log"; exit 1; }
AUTH="Authorization: Bearer $TOKEN"
curl -sf -H "$AUTH" "http://127.0.0.1:$PORT/v1/users/me" >/dev/null || { echo "bootstrap token refused" >&2; exit 1; }

# The embedded PostgreSQL (zonky) listens on localhost on a free port it picked; postmaster.pid says
# which (line 4). User postgres, database postgres, trust authentication.
PGPORT=$(sed -n 4p "$WORK/data/postgres/postmaster.pid")
export PGHOST=localhost PGPORT PGUSER=postgres PGDATABASE=postgres
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@" 2>&1 | grep -v '^WARNING:  psql major version\|^ *Some psql features' || true; }

echo "Seeding $USERS users into PostgreSQL on port $PGPORT..." >&2
SEED_START=$(date +%s)
# session_replication_role = replica: no triggers (the change announcements on portal_cache, one per
# row, would flood every node) and no foreign-key checks (the rows are built consistent).
psql -X -q -v ON_ERROR_STOP=1 -v users="$USERS" <<'SQL'
set session_replication_role = replica;
set maintenance_work_mem = '256MB';
-- Usernames u1..uN: 'u12345' is a prefix of 11 users (u12345, u123450..u123459), 'u9' of ~11 %.
-- Every 20th user has a Plus tier running for 30 more days, every 500th Lifetime; every 10,000th is a
-- Moderator.
insert into users (username, subscription_tier, subscription_expires_at, permission_level, permission_since,
                   last_activity_at, created_at, updated_at)
select 'u' || g,
       case when g % 500 = 0 then 3 when g % 20 = 0 then 1 else 0 end,
       case when g % 500 = 0 then null when g % 20 = 0 then now() + interval '30 days' end,
       case when g % 10000 = 0 then 1 else 0 end,
       case when g % 10000 = 0 then now() - interval '100 days' end,
       now() - (g % 1000) * interval '1 hour', now() - interval '2 years' + g * interval '1 minute',
       now() - (g % 1000) * interval '1 hour'
from generate_series(1, :users) g;
-- Every user: a Discord identity (a snowflake-like id); every third: a GitHub one too.
insert into linked_identities (user_id, platform, platform_user_id, platform_username, platform_avatar_url,
                               linked_at, last_authenticated_at)
select id, 'discord', (100000000000000000 + id * 7919)::text, username, null, created_at, last_activity_at
from users where username ~ '^u[0-9]+$';
insert into linked_identities (user_id, platform, platform_user_id, platform_username, linked_at,
                               last_authenticated_at)
select id, 'github', (id * 13)::text, 'gh-' || username, created_at + interval '1 day', last_activity_at
from users where username ~ '^u[0-9]+$' and id % 3 = 0;
-- Some history for a few users: every 100th a warning, every 50th a subscription change and a
-- session, every 10,000th its permission change to Moderator.
insert into moderation_actions (user_id, actor_id, action, reason, created_at)
select id, 1, 'warn', 'seeded', created_at + interval '3 days' from users where id % 100 = 0 and id > 1;
insert into subscription_changes (user_id, from_tier, to_tier, expires_at, granted_by, reason, created_at)
select id, 0, 1, now() + interval '30 days', 1, 'seeded', created_at + interval '5 days'
from users where id % 50 = 0 and id > 1;
insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at)
select id, 0, 1, 1, 'seeded', permission_since from users where permission_level = 1 and id > 1;
insert into sessions (token_hash, user_id, platform, ip, user_agent, created_at, last_seen_at, expires_at)
select sha256(('s' || id)::bytea), id, 'discord', '192.0.2.1', 'bench', last_activity_at, last_activity_at,
       last_activity_at + interval '30 days'
from users where id % 50 = 0 and id > 1;
-- The history user (the middle one): 200 of every list the elevated view shows, chats and bots too.
create temp table hist as select id from users where username = 'u' || (:users / 2);
insert into moderation_actions (user_id, actor_id, action, reason, created_at, expires_at)
select h.id, 1, (array['warn', 'note', 'timeout', 'untimeout'])[1 + g % 4], 'seeded #' || g,
       now() - interval '400 days' + g * interval '1 day',
       case when g % 4 = 2 then now() - interval '400 days' + g * interval '1 day' + interval '1 hour' end
from hist h, generate_series(1, 200) g;
insert into subscription_changes (user_id, from_tier, to_tier, expires_at, granted_by, reason, created_at)
select h.id, g % 2, (g + 1) % 2, now() - interval '399 days' + g * interval '1 day', 1, 'seeded #' || g,
       now() - interval '400 days' + g * interval '1 day'
from hist h, generate_series(1, 200) g;
insert into permission_changes (user_id, from_level, to_level, changed_by, reason, created_at)
select h.id, g % 2, (g + 1) % 2, 1, 'seeded #' || g, now() - interval '400 days' + g * interval '1 day'
from hist h, generate_series(1, 200) g;
insert into sessions (token_hash, user_id, platform, ip, user_agent, country, created_at, last_seen_at, expires_at)
select sha256(('h' || g)::bytea), h.id, 'discord', '198.51.100.' || (g % 250), 'bench agent ' || g, 'NL',
       now() - interval '400 days' + g * interval '1 day', now() - interval '400 days' + g * interval '1 day',
       now() - interval '370 days' + g * interval '1 day'
from hist h, generate_series(1, 200) g;
insert into chats (user_id, platform, platform_chat_id, title, created_at)
select h.id, 'discord', 'chat-' || g, 'Chat ' || g, now() - interval '100 days' + g * interval '1 day'
from hist h, generate_series(1, 20) g;
insert into bots (user_id, platform, platform_bot_id, name, created_at)
select h.id, 'discord', 'bot-' || g, 'Bot ' || g, now() - interval '100 days' + g * interval '1 day'
from hist h, generate_series(1, 5) g;
SQL
sql -c "analyze"
SEED_SECS=$(( $(date +%s) - SEED_START ))

HIST_ID=$(psql -X -At -c "select id from users where username = 'u$(( USERS / 2 ))'")
FEW=u12345
MANY=u9
DISCORD_ID=$(psql -X -At -c "select platform_user_id from linked_identities where platform = 'discord' and user_id = (select id from users where username = 'u$(( USERS / 3 ))')")
read -r N_USERS N_IDENT N_MOD N_SUB N_PERM N_SESS < <(psql -X -At -F' ' -c "select (select count(*) from users),
  (select count(*) from linked_identities), (select count(*) from moderation_actions),
  (select count(*) from subscription_changes), (select count(*) from permission_changes), (select count(*) from sessions)")

# The SQL of UserRepository.search with only :query given (prefix = lower(query) || '%', no escaping
# needed for these), limit 51 as the controller asks (a page of 50 plus one).
search_sql() { # query
  local q=$1 p
  p="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')%"
  cat <<SQL
select u.id from users u
where (lower(u.username) like '$p'
        or u.id = any (array(select user_id from linked_identities where platform_user_id = '$q')))
  and (cast(null as text) is null
       or exists (select 1 from linked_identities i where i.user_id = u.id and i.platform = null))
  and (cast(null as int) is null or u.permission_level = null)
  and (cast(null as int) is null
       or (case when u.subscription_tier <> 0 and u.subscription_expires_at <= now() then 0
                else u.subscription_tier end) = null)
  and (cast(null as int) is null or 0 = 0)
  and (cast(null as bigint) is null or u.id > null)
order by u.id
limit 51
SQL
}
# What GET /v1/users/{id} reads for the elevated view, past the (cached) account itself.
elevated_sql() { # user id
  cat <<SQL
select * from moderation_actions where user_id = $1 order by created_at desc, id desc;
select * from chats where user_id = $1 order by created_at, id;
select * from bots where user_id = $1 order by created_at, id;
select * from subscription_changes where user_id = $1 order by created_at desc, id desc;
select * from permission_changes where user_id = $1 order by created_at desc, id desc;
select * from sessions where user_id = $1 order by created_at desc, id desc limit 100;
SQL
}
explain() { # title, sql...
  echo; echo "-- EXPLAIN (ANALYZE, BUFFERS): $1"; shift
  printf '%s\n' "$1" | awk 'BEGIN { RS = ";\n" } NF { print "explain (analyze, buffers, costs off) " $0 ";" }' \
    | sql -P pager=off
}

# to_ms "1.23ms" -> 1.23
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

RESULTS="$WORK/results.txt"
run() { # label, path
  local label=$1 path=$2 out="$WORK/wrk.txt" rps p50 p99 non2xx count
  curl -sf -H "$AUTH" "http://127.0.0.1:$PORT$path" > "$WORK/body.json" || { echo "$path failed" >&2; exit 1; }
  count=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=d.get("users"); print(len(u) if u is not None else "mod %d, sub %d, perm %d, sess %d" % (len(d["moderation_actions"]), len(d["subscription_history"]), len(d["permission_history"]), len(d["session_history"])))' "$WORK/body.json" 2>/dev/null || echo '?')
  wrk -t1 -c1 -d"$WARMUP" -H "$AUTH" "http://127.0.0.1:$PORT$path" >/dev/null
  wrk -t1 -c1 -d"$DURATION" --latency -H "$AUTH" "http://127.0.0.1:$PORT$path" > "$out"
  rps=$(awk '/Requests\/sec/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
  printf '%-34s %-44s %9.0f %8s %8s  %s%s\n' "$label" "$path" "$rps" "$p50" "$p99" "$count" "${non2xx:+  non-2xx: $non2xx}" >> "$RESULTS"
}

echo "Measuring (wrk -t1 -c1, $WARMUP warm-up + $DURATION each)..." >&2
run "search, prefix of 11 users" "/v1/users?query=$FEW"
run "search, prefix of ~11 % of users" "/v1/users?query=$MANY"
run "search, exact Discord id" "/v1/users?query=$DISCORD_ID"
run "elevated view, 200 of each list" "/v1/users/$HIST_ID"

explain "search ?query=$FEW" "$(search_sql "$FEW");"
explain "search ?query=$MANY" "$(search_sql "$MANY");"
explain "search ?query=$DISCORD_ID" "$(search_sql "$DISCORD_ID");"
explain "elevated view of user $HIST_ID: its lists" "$(elevated_sql "$HIST_ID")"

echo
echo "Portal $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $("$JAVA_BIN" -version 2>&1 | head -1), $(nproc) cores"
echo "seeded in ${SEED_SECS}s: $N_USERS users, $N_IDENT identities, $N_MOD moderation actions, $N_SUB subscription changes, $N_PERM permission changes, $N_SESS sessions"
echo "one client: wrk -t1 -c1 -d$DURATION --latency after $WARMUP warm-up; Owner Bearer token"
printf '%-34s %-44s %9s %8s %8s  %s\n' request path req/s p50_ms p99_ms returned
cat "$RESULTS"
if [ -n "${KEEP:-}" ]; then
  echo "Portal on http://127.0.0.1:$PORT (Bearer $TOKEN), PostgreSQL: psql -h localhost -p $PGPORT -U postgres; Ctrl-C ends" >&2
  wait "$PORTAL_PID"
fi
