#!/usr/bin/env bash
# Routes whose cost may follow the size of the database instead of the size of the answer, at
# growing sizes: release binaries of the `events`, `admin` and `superadmin` functions over plain
# HTTP against a local PostgreSQL, one database per scenario, reseeded for every size (psql
# generate_series, then VACUUM ANALYZE, as an autovacuumed production database would be), a fresh
# function process for every size. For each route prints a markdown table: the size, the median
# (p50) of curl's time_total over $REQS sequential requests (after three warm-ups), the answer's
# bytes and items, the p50's growth per 10x data (p50 at 10N / p50 at N; steps other than 10x are
# scaled to 10x), and the serving function's peak RSS (VmHWM of /proc/PID/status) after them.
# Read the growth, not the milliseconds: the machine is shared, one core of two goes to curl.
#
#   GET /events/official                10 events of the active series + 0 / 1k / 10k / 100k others
#   GET /superadmin/events?page=1       the same databases (every event, by name)
#   GET /superadmin/users?page=1, last  1k / 10k / 100k / 1M users
#   GET /events/admin/{id}/votes        1k / 10k / 100k votes (voters cast 3 each among 50 projects;
#                                       as many again in another event)
#   GET /events/admin/{id}/attendees    1k / 10k / 60k attendees of 100k users (the others attend
#                                       another event)
#   GET /events/admin/{id}/leaderboard  20 / 200 / 2k projects, each with 0-2 collaborators, among
#                                       100k other users
#   GET /events/{id}                    5 / 500 / 5k projects in the event (its project count)
#
#   bench/scale.sh          (DATABASE_URL: use that server; otherwise a throwaway cluster;
#                            needs curl and python3)
#   BIN_DIR=/path/to/release bench/scale.sh   binaries (events, admin, superadmin, migrate) built
#                            elsewhere, e.g. of another commit; default: build them here into
#                            $CARGO_TARGET_DIR/release. Migrations are those embedded in that
#                            `migrate` binary (`migrate up` on every scenario's database).
#   PLANS=1 bench/scale.sh  also the plans (EXPLAIN ANALYZE, BUFFERS, through auto_explain) of
#                            every statement a route runs on its sixth request to a fresh
#                            process: the official list and the superadmin's events page 1
#                            (largest size), the users' first and last pages (largest), the
#                            votes (largest), the attendees (1k) and the leaderboard (largest).
#                            The SQL is the data crate's own, read from the server's log
#                            (scripts/pg's throwaway cluster only).
#   REQS=50 MAX_SECS=20     requests per measurement; a measurement stops after MAX_SECS (but
#                            not before 5 requests)
#   ONLY="official users votes attendees leaderboard event"   scenarios to run
#   OFFICIAL_SIZES="0 1000 10000 100000" USER_SIZES="1000 10000 100000 1000000"
#   VOTE_SIZES="1000 10000 100000" ATTENDEE_SIZES="1000 10000 60000" ATTENDEE_USERS=100000
#   LEADERBOARD_SIZES="20 200 2000" LEADERBOARD_USERS=100000 EVENT_SIZES="5 500 5000"
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ "${1:-}" != "--inner" ]; then
  if [ -z "${BIN_DIR:-}" ]; then
    cargo build --release -q -p events -p admin -p superadmin -p migrate
    BIN_DIR="$CARGO_TARGET_DIR/release"
  fi
  BIN_DIR="$(cd "$BIN_DIR" && pwd)"
  for b in events admin superadmin migrate; do
    [ -x "$BIN_DIR/$b" ] || { echo "bench/scale.sh: no $BIN_DIR/$b" >&2; exit 2; }
  done
  export BIN_DIR
  exec scripts/pg run -- bash "$self" --inner
fi

REQS="${REQS:-50}" MAX_SECS="${MAX_SECS:-20}" MIN_REQS=5
ONLY="${ONLY:-official users votes attendees leaderboard event}"
OFFICIAL_SIZES="${OFFICIAL_SIZES:-0 1000 10000 100000}"
USER_SIZES="${USER_SIZES:-1000 10000 100000 1000000}"
VOTE_SIZES="${VOTE_SIZES:-1000 10000 100000}"
ATTENDEE_SIZES="${ATTENDEE_SIZES:-1000 10000 60000}" ATTENDEE_USERS="${ATTENDEE_USERS:-100000}"
LEADERBOARD_SIZES="${LEADERBOARD_SIZES:-20 200 2000}" LEADERBOARD_USERS="${LEADERBOARD_USERS:-100000}"
EVENT_SIZES="${EVENT_SIZES:-5 500 5000}"
SERIES=scale-series SECRET=bench-secret
ROOT=00000000-0000-0000-0000-0000000000aa OWNER=00000000-0000-0000-0000-0000000000ab
EVENT=00000000-0000-0000-0000-0000000000e1 OTHER_EVENT=00000000-0000-0000-0000-0000000000e2

pgbin="$(dirname "$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/podium-scale.XXXXXX")"
pids=()
cleanup() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
say() { echo "scale: $*" >&2; }
url_of() { python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$DATABASE_URL" "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
token() { # e-mail -> an access token of the functions' secret (HS256; sub, token_type, exp)
  python3 - "$1" "$SECRET" <<'PY'
import base64, hashlib, hmac, json, sys, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=")
head = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b(json.dumps({"sub": sys.argv[1], "token_type": "access", "exp": int(time.time()) + 86400}).encode())
sig = b(hmac.new(sys.argv[2].encode(), head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
PY
}
ROOT_TOKEN="$(token root@example.com)" OWNER_TOKEN="$(token owner@example.com)"

# --- databases -------------------------------------------------------------------------------
db="" dbname="" schema_said=""
new_db() { # scenario: a database migrated by this build's own `migrate`
  local name="podium_scale_$1"
  PGOPTIONS="-c client_min_messages=warning" "$pgbin/psql" -q "$DATABASE_URL" \
    -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
  db="$(url_of "$name")" dbname="$name"
  local applied; applied="$(PODIUM_DATABASE_URL="$db" "$BIN_DIR/migrate" up | tail -1)"
  if [ -z "$schema_said" ]; then
    schema_said=1
    echo "bench/scale.sh: binaries $BIN_DIR; migrate up: $applied;" \
      "PostgreSQL $("$pgbin/psql" -tA "$DATABASE_URL" -c "SHOW server_version"); $(nproc) cores; REQS=$REQS MAX_SECS=$MAX_SECS"
  fi
}
drop_db() { "$pgbin/psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS podium_scale_$1 WITH (FORCE)"; }
# Seeding commits synchronously: scripts/pg's cluster runs with synchronous_commit=off, and
# VACUUM cannot mark pages all-visible (for index-only scans) until their commits are flushed.
sql() { PGOPTIONS="-c client_min_messages=warning -c synchronous_commit=on" "$pgbin/psql" -q -X -v ON_ERROR_STOP=1 "$db" "$@"; }
# Every size starts from the superadmin `root` and the events' owner `owner` alone.
reset() {
  sql <<SQL
TRUNCATE users, events CASCADE;
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country, is_superadmin)
VALUES ('$ROOT', 'root@example.com', 'Root', 'Root', 'A', '', '', '', '', '', '', '', true),
       ('$OWNER', 'owner@example.com', 'Owner', 'Owner', 'B', '', '', '', '', '', '', '', false);
SQL
}
# SQL inserting users PREFIX1..PREFIX<count>: id md5(PREFIX || n), e-mails and display names in an
# order unrelated to the rows' (as in a table filled over years).
users_sql() {
  cat <<SQL
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country)
SELECT md5('$1' || n)::uuid, substr(md5('$1' || n), 1, 10) || '.$1' || n || '@example.com',
       'Name ' || substr(md5('d$1' || n), 1, 12), 'First', 'Last $1' || n, '+1 555 0100',
       n || ' Main Street', '', 'Springfield', 'VT', '05156', 'United States'
FROM generate_series(1, $2) n;
SQL
}
settle() { sql -c "VACUUM (ANALYZE)"; }

# --- functions and measurements -------------------------------------------------------------
fn_pid="" fn_base=""
start_fn() { # function [VAR=value...]: a fresh process on the current database
  local name="$1" port; shift
  port="$(free_port)"
  env PORT="$port" PODIUM_DATABASE_URL="$db" PODIUM_JWT_SECRET="$SECRET" RUST_LOG=warn "$@" \
    "$BIN_DIR/$name" >>"$tmp/$name.log" 2>&1 &
  fn_pid=$! fn_base="http://127.0.0.1:$port"
  pids+=("$fn_pid")
  local _
  for _ in $(seq 300); do
    curl -s -o /dev/null "$fn_base/" && return 0
    kill -0 "$fn_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "bench/scale.sh: $name did not start:" >&2; tail -20 "$tmp/$name.log" >&2; exit 1
}
stop_fn() { # pid: stopped, and no longer killed at exit (its number may be reused by then)
  kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true
  local p kept=()
  for p in "${pids[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  pids=("${kept[@]}")
}
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

P50="" BYTES="" ITEMS="" NREQ=""
measure() { # url [token]: sets P50 (ms), BYTES, ITEMS, NREQ; fails on anything but a 200
  local url="$1" hdr=() out code t start
  [ -n "${2:-}" ] && hdr=(-H "authorization: Bearer $2")
  code="$(curl -s "${hdr[@]}" -o "$tmp/body" -w '%{http_code}' "$url")"
  if [ "$code" != 200 ]; then
    echo "bench/scale.sh: GET $url answered $code: $(head -c 400 "$tmp/body")" >&2; exit 1
  fi
  BYTES="$(wc -c <"$tmp/body" | tr -d ' ')"
  ITEMS="$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
if isinstance(d, list): print(len(d))
elif isinstance(d, dict) and "items" in d: print("%d of %d" % (len(d["items"]), d["total"]))
else: print(1)' "$tmp/body")"
  curl -s "${hdr[@]}" -o /dev/null -o /dev/null "$url" "$url"
  : >"$tmp/times"
  start=$SECONDS NREQ=0
  while [ "$NREQ" -lt "$REQS" ]; do
    out="$(curl -s "${hdr[@]}" -o /dev/null -w '%{http_code} %{time_total}' "$url")"
    [ "${out% *}" = 200 ] || { echo "bench/scale.sh: GET $url answered ${out% *}" >&2; exit 1; }
    echo "${out#* }" >>"$tmp/times"
    NREQ=$((NREQ + 1))
    if [ "$NREQ" -ge "$MIN_REQS" ] && [ $((SECONDS - start)) -ge "$MAX_SECS" ]; then break; fi
  done
  P50="$(sort -n "$tmp/times" | awk '{a[NR] = $1} END {m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m * 1000}')"
}

# Tables, printed when their scenario ends: key -> title, size column, rows, previous size/p50.
declare -A TITLE UNIT ROWS PREV_SIZE PREV_P50 NOTE
keys=()
table() { keys+=("$1"); TITLE[$1]="$2"; UNIT[$1]="$3"; ROWS[$1]=""; NOTE[$1]=""; }
row() { # key size hwm: after measure
  local key="$1" size="$2" hwm="$3" growth="—"
  if [ -n "${PREV_P50[$key]:-}" ] && [ "${PREV_SIZE[$key]}" -gt 0 ]; then
    growth="$(awk -v a="$P50" -v b="${PREV_P50[$key]}" -v s="$size" -v t="${PREV_SIZE[$key]}" 'BEGIN {
      r = a / b; f = s / t
      if (f == 10) printf "%.2f", r
      else printf "%.2f over %gx (%.2f per 10x)", r, f, exp(log(r) * log(10) / log(f)) }')"
  fi
  ROWS[$key]+="| $size | $P50 | $NREQ | $BYTES | $ITEMS | $growth | $hwm |"$'\n'
  PREV_SIZE[$key]="$size" PREV_P50[$key]="$P50"
  say "$key @ $size: p50 $P50 ms over $NREQ, $BYTES bytes, $ITEMS items, VmHWM $hwm MB"
}
print_tables() {
  local key
  for key in "${keys[@]}"; do
    echo
    echo "### ${TITLE[$key]}"
    echo
    echo "| ${UNIT[$key]} | p50 ms | requests | bytes | items | p50 growth per 10x | function VmHWM MB |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s' "${ROWS[$key]}"
    [ -z "${NOTE[$key]}" ] || printf '\n%s\n' "${NOTE[$key]}"
  done
  keys=()
}

# EXPLAIN (ANALYZE, BUFFERS) of what a route really runs, its SQL as the data crate writes it:
# auto_explain (analyse, buffers, nested statements) on for the scenario's database, a fresh
# function process, the route asked for six times (a pooled connection's prepared statements may
# switch to their generic plan from the sixth execution on), and the plans of the sixth request
# read from the server's log. Needs the log of scripts/pg's throwaway cluster.
explain_route() { # title function path token [VAR=value...]
  [ "${PLANS:-}" = 1 ] || return 0
  local title="$1" name="$2" path="$3" tok="$4" log from hdr=() _
  shift 4
  log="$(dirname "$(sql -tA -c 'SHOW data_directory')")/postgres.log"
  echo
  echo "#### Plans of $title"
  echo
  if [ ! -r "$log" ]; then
    echo "(PLANS=1 reads the log of scripts/pg's own cluster; $log is not readable here)"
    return 0
  fi
  [ -n "$tok" ] && hdr=(-H "authorization: Bearer $tok")
  sql -c "ALTER DATABASE $dbname SET session_preload_libraries = 'auto_explain'" \
      -c "ALTER DATABASE $dbname SET auto_explain.log_min_duration = 0" \
      -c "ALTER DATABASE $dbname SET auto_explain.log_analyze = on" \
      -c "ALTER DATABASE $dbname SET auto_explain.log_buffers = on" \
      -c "ALTER DATABASE $dbname SET auto_explain.log_nested_statements = on"
  start_fn "$name" "$@"
  for _ in 1 2 3 4 5; do curl -s "${hdr[@]}" -o /dev/null "$fn_base$path"; done
  sleep 0.2
  from="$(wc -c <"$log")"
  curl -s "${hdr[@]}" -o /dev/null "$fn_base$path"
  sleep 0.3
  stop_fn "$fn_pid"
  sql -c "ALTER DATABASE $dbname RESET ALL"
  echo '```'
  # Each plan is a "duration: … plan:" line and the tab-indented lines under it.
  tail -c +"$((from + 1))" "$log" | awk '
    /plan:$/ { on = 1; sub(/^.*LOG: +/, ""); print; next }
    on && /^\t/ { print; next }
    { on = 0 }'
  echo '```'
}

want() { [[ " $ONLY " == *" $1 "* ]]; }
largest() { echo "$1" | tr ' ' '\n' | sort -n | tail -1; }
say "binaries from $BIN_DIR"

# --- 1. the official events among ever more others ------------------------------------------
if want official; then
  new_db official
  table official "GET /events/official (10 events of the active series; other events in the table)" "other events"
  table sa_events "GET /superadmin/events?page=1 (all 10 + N events by name, 50 a page)" "other events (N)"
  for n in $OFFICIAL_SIZES; do
    say "official: seeding 10 + $n events"
    reset
    sql <<SQL
INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                    ysws_checks_enabled, feature_flags_csv, owner_id, phase)
SELECT md5('official' || n)::uuid, 'Official ' || n, 'official-' || n, 'An official event.',
       'OFF' || n, false, false,
       CASE WHEN n % 2 = 0 THEN '$SERIES' ELSE 'beta, $SERIES' END, '$OWNER', 'submission'
FROM generate_series(1, 10) n;
INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                    ysws_checks_enabled, feature_flags_csv, owner_id, phase, deleted_at)
SELECT md5('event' || n)::uuid, 'Event ' || substr(md5('event' || n), 1, 12), 'event-' || n,
       repeat('A community hackathon. ', 5), 'X' || n, false, false,
       (ARRAY['', 'other-series', 'beta, other-series', 'old-series,beta'])[n % 4 + 1], '$OWNER',
       (ARRAY['draft', 'submission', 'voting', 'closed'])[n % 4 + 1],
       CASE WHEN n % 50 = 0 THEN now() END
FROM generate_series(1, $n) n;
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent,
                      points, owner_id, event_id)
SELECT md5('op' || n || '-' || k)::uuid, 'Project ' || n || '-' || k, 'https://github.com/a/b',
       'https://cdn.example/i.png', 'https://demo.example/', 'A project.', 'OP' || n || '-' || k,
       5, 0, '$OWNER', md5('official' || n)::uuid
FROM generate_series(1, 10) n, generate_series(1, 3) k;
SQL
    settle
    start_fn events PODIUM_ACTIVE_EVENT_SERIES="$SERIES"
    measure "$fn_base/events/official"
    row official "$n" "$(hwm_mb "$fn_pid")"
    stop_fn "$fn_pid"
    start_fn superadmin
    measure "$fn_base/superadmin/events?page=1" "$ROOT_TOKEN"
    row sa_events "$n" "$(hwm_mb "$fn_pid")"
    stop_fn "$fn_pid"
    if [ "$n" = "$(largest "$OFFICIAL_SIZES")" ]; then
      plan_official="$(explain_route "GET /events/official, 10 + $n events" events /events/official "" PODIUM_ACTIVE_EVENT_SERIES="$SERIES"
        explain_route "GET /superadmin/events?page=1, 10 + $n events" superadmin "/superadmin/events?page=1" "$ROOT_TOKEN")"
    fi
  done
  print_tables
  printf '%s\n' "${plan_official:-}"
  drop_db official
fi

# --- 2. the users' pages --------------------------------------------------------------------
if want users; then
  new_db users
  table users_first "GET /superadmin/users?page=1 (by e-mail, 50 a page)" "users"
  table users_last "GET /superadmin/users?page=ceil(N/50) (the last page)" "users"
  for n in $USER_SIZES; do
    say "users: seeding $n users"
    reset
    sql <<<"$(users_sql user $((n - 2)))"
    settle
    start_fn superadmin
    measure "$fn_base/superadmin/users?page=1" "$ROOT_TOKEN"
    row users_first "$n" "$(hwm_mb "$fn_pid")"
    measure "$fn_base/superadmin/users?page=$(((n + 49) / 50))" "$ROOT_TOKEN"
    row users_last "$n" "$(hwm_mb "$fn_pid")"
    stop_fn "$fn_pid"
    if [ "$n" = "$(largest "$USER_SIZES")" ]; then
      plan_users="$(explain_route "GET /superadmin/users?page=1, $n users" superadmin "/superadmin/users?page=1" "$ROOT_TOKEN"
        explain_route "GET /superadmin/users?page=$(((n + 49) / 50)) (the last), $n users" superadmin "/superadmin/users?page=$(((n + 49) / 50))" "$ROOT_TOKEN")"
    fi
  done
  NOTE[users_last]="(VmHWM: the same process as page 1, after both.)"
  print_tables
  printf '%s\n' "${plan_users:-}"
  drop_db users
fi

# Admin routes: `owner` owns $EVENT (the check is events::find_owned, not the superadmin path).
admin_event_sql() { # phase
  cat <<SQL
INSERT INTO events (id, name, slug, description, join_code, demo_links_optional,
                    ysws_checks_enabled, feature_flags_csv, owner_id, phase)
VALUES ('$EVENT', 'Scale', 'scale', 'The measured event.', 'SCALE', false, false, '', '$OWNER', '$1'),
       ('$OTHER_EVENT', 'Other', 'other', 'Another event.', 'OTHER', false, false, '', '$ROOT', '$1');
SQL
}
admin_row() { # key size path
  start_fn admin
  local idle; idle="$(hwm_mb "$fn_pid")"
  measure "$fn_base$3" "$OWNER_TOKEN"
  row "$1" "$2" "$(hwm_mb "$fn_pid")"
  NOTE[$1]="(VmHWM of a fresh admin process before its first request: $idle MB.)"
  stop_fn "$fn_pid"
}

# --- 3. an event's votes --------------------------------------------------------------------
if want votes; then
  new_db votes
  table votes "GET /events/admin/{id}/votes (voters cast 3 votes each among 50 projects; as many again in another event)" "votes"
  for n in $VOTE_SIZES; do
    voters=$(((n + 2) / 3))
    say "votes: seeding $n votes of $voters voters"
    reset
    sql <<SQL
$(admin_event_sql voting)
$(users_sql powner 50)
$(users_sql voter $voters)
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent,
                      points, owner_id, event_id)
SELECT md5('vproject' || n)::uuid, 'Project ' || n, 'https://github.com/a/b' || n,
       'https://cdn.example/i.png', 'https://demo.example/', 'A project.', 'V' || n, 5, 0,
       md5('powner' || n)::uuid, '$EVENT'
FROM generate_series(1, 50) n;
INSERT INTO event_attendees (event_id, user_id, joined_at)
SELECT '$EVENT', md5('voter' || n)::uuid, now() - interval '1 day' + n * interval '10 ms'
FROM generate_series(1, $voters) n;
INSERT INTO votes (id, voter_id, project_id, event_id, cast_at)
SELECT gen_random_uuid(), md5('voter' || ((g - 1) / 3 + 1))::uuid,
       md5('vproject' || (((g - 1) / 3 + 1 + ((g - 1) % 3) * 17) % 50 + 1))::uuid, '$EVENT',
       now() - interval '1 hour' + g * interval '10 ms'
FROM generate_series(1, $n) g;
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent,
                      points, owner_id, event_id)
SELECT md5('oproject' || n)::uuid, 'Other ' || n, 'https://github.com/a/c' || n,
       'https://cdn.example/i.png', 'https://demo.example/', 'A project.', 'O' || n, 5, 0,
       md5('powner' || n)::uuid, '$OTHER_EVENT'
FROM generate_series(1, 50) n;
-- As many votes again in another event: the table holds more than the answer.
INSERT INTO votes (id, voter_id, project_id, event_id, cast_at)
SELECT gen_random_uuid(), md5('voter' || ((g - 1) / 3 + 1))::uuid,
       md5('oproject' || (((g - 1) / 3 + 1 + ((g - 1) % 3) * 17) % 50 + 1))::uuid, '$OTHER_EVENT',
       now() - interval '1 hour' + g * interval '10 ms'
FROM generate_series(1, $n) g;
UPDATE projects p SET points = (SELECT count(*) FROM votes v WHERE v.project_id = p.id);
SQL
    settle
    admin_row votes "$n" "/events/admin/$EVENT/votes"
    if [ "$n" = "$(largest "$VOTE_SIZES")" ]; then
      plan_votes="$(explain_route "GET /events/admin/{id}/votes, $n votes" admin "/events/admin/$EVENT/votes" "$OWNER_TOKEN")"
    fi
  done
  print_tables
  printf '%s\n' "${plan_votes:-}"
  drop_db votes
fi

# --- 4. an event's attendees ----------------------------------------------------------------
if want attendees; then
  new_db attendees
  table attendees "GET /events/admin/{id}/attendees ($ATTENDEE_USERS users; those not attending it attend another event)" "attendees"
  for n in $ATTENDEE_SIZES; do
    say "attendees: seeding $n attendees of $ATTENDEE_USERS users"
    reset
    sql <<SQL
$(admin_event_sql submission)
$(users_sql att "$ATTENDEE_USERS")
INSERT INTO event_attendees (event_id, user_id)
SELECT CASE WHEN n <= $n THEN '$EVENT'::uuid ELSE '$OTHER_EVENT'::uuid END, md5('att' || n)::uuid
FROM generate_series(1, $ATTENDEE_USERS) n;
SQL
    settle
    admin_row attendees "$n" "/events/admin/$EVENT/attendees"
    if [ "$n" = 1000 ]; then
      plan_attendees="$(explain_route "GET /events/admin/{id}/attendees, $n attendees of $ATTENDEE_USERS users" admin "/events/admin/$EVENT/attendees" "$OWNER_TOKEN")"
    fi
  done
  print_tables
  printf '%s\n' "${plan_attendees:-}"
  drop_db attendees
fi

# --- 5. an event's leaderboard --------------------------------------------------------------
if want leaderboard; then
  new_db leaderboard
  table leaderboard "GET /events/admin/{id}/leaderboard (each project: an owner, 0-2 collaborators; $LEADERBOARD_USERS other users)" "projects"
  for n in $LEADERBOARD_SIZES; do
    say "leaderboard: seeding $n projects"
    reset
    sql <<SQL
$(admin_event_sql closed)
$(users_sql lother "$LEADERBOARD_USERS")
$(users_sql lowner "$n")
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country)
SELECT md5('lc' || n || '-' || k)::uuid, substr(md5('lc' || n || '-' || k), 1, 10) || '.lc' || n || '-' || k || '@example.com',
       'Collaborator ' || substr(md5('dlc' || n || '-' || k), 1, 12), 'First', 'Last', '', '', '', '',
       '', '', ''
FROM generate_series(1, $n) n, generate_series(1, 2) k WHERE k <= n % 3;
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent,
                      points, owner_id, event_id, validation_status)
SELECT md5('lproject' || n)::uuid, 'Project ' || substr(md5('lname' || n), 1, 10),
       'https://github.com/owner' || n || '/repo', 'https://cdn.example/' || n || '.png',
       'https://demo.example/' || n, repeat('A project that does things, well. ', 6) || n,
       'L' || n, n % 40, (n * 7919) % 997, md5('lowner' || n)::uuid, '$EVENT',
       (ARRAY['pending', 'valid', 'warning'])[n % 3 + 1]
FROM generate_series(1, $n) n;
INSERT INTO project_collaborators (project_id, user_id)
SELECT md5('lproject' || n)::uuid, md5('lc' || n || '-' || k)::uuid
FROM generate_series(1, $n) n, generate_series(1, 2) k WHERE k <= n % 3;
SQL
    settle
    admin_row leaderboard "$n" "/events/admin/$EVENT/leaderboard"
    if [ "$n" = "$(largest "$LEADERBOARD_SIZES")" ]; then
      plan_leaderboard="$(explain_route "GET /events/admin/{id}/leaderboard, $n projects" admin "/events/admin/$EVENT/leaderboard" "$OWNER_TOKEN")"
    fi
  done
  print_tables
  printf '%s\n' "${plan_leaderboard:-}"
  drop_db leaderboard
fi

# --- 6. a plain event read (its project count) ----------------------------------------------
if want event; then
  new_db event
  table event "GET /events/{id} (the event's project count in the same statement)" "projects in the event"
  for n in $EVENT_SIZES; do
    say "event: seeding $n projects"
    reset
    sql <<SQL
$(admin_event_sql submission)
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent,
                      points, owner_id, event_id)
SELECT md5('eproject' || n)::uuid, 'Project ' || n, 'https://github.com/a/b' || n,
       'https://cdn.example/i.png', 'https://demo.example/', 'A project.', 'E' || n, 5, 0,
       '$OWNER', '$EVENT'
FROM generate_series(1, $n) n;
SQL
    settle
    start_fn events
    measure "$fn_base/events/$EVENT"
    row event "$n" "$(hwm_mb "$fn_pid")"
    stop_fn "$fn_pid"
  done
  print_tables
  drop_db event
fi
