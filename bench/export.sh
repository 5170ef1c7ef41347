#!/usr/bin/env bash
# The superadmin function at scale: the YSWS CSV export of 10 000 projects (3 000 owners with full
# addresses, descriptions of ~400 characters with commas and quotes) and the paged lists over
# 100 000 users, served by the release binary over plain HTTP against a local PostgreSQL.
# Prints the export's time and size over 5 runs, the function's peak RSS (VmHWM) before and after
# the exports, and the lists' median latency over 50 requests (first and last page).
#
#   bench/export.sh        (DATABASE_URL, or a throwaway cluster; needs curl and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ "${1:-}" != "--inner" ]; then
  cargo build --release -q -p superadmin
  cargo build -q -p migrate
  exec scripts/pg run -- "$0" --inner
fi
pgbin="$(dirname "$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)")"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/podium_export")))' "$DATABASE_URL")"
"$pgbin/psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS podium_export WITH (FORCE)" -c "CREATE DATABASE podium_export"
PODIUM_DATABASE_URL="$db_url" "$CARGO_TARGET_DIR/debug/migrate" up >/dev/null
"$pgbin/psql" -q "$db_url" <<'SQL'
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country, dob, is_superadmin)
VALUES ('00000000-0000-0000-0000-0000000000aa', 'root@example.com', 'Root', 'Root', 'A', '', '', '',
        '', '', '', '', NULL, true);
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country, dob)
SELECT gen_random_uuid(), 'owner' || n || '@example.com', 'Owner ' || n, 'Zoë ' || n, 'O''Brien, Jr.',
       '+1 555 0100', n || ' Rue de l''Église', 'Apt ' || n, 'Montréal', 'QC', 'H2X 1Y4', 'Canada',
       DATE '2009-01-01' + n
FROM generate_series(1, 3000) n;
INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city,
                   state, zip_code, country)
SELECT gen_random_uuid(), 'user' || lpad(n::text, 6, '0') || '@example.com', 'User ' || n, 'User', '',
       '', '', '', '', '', '', ''
FROM generate_series(1, 100000) n;
INSERT INTO events (id, name, slug, description, join_code, demo_links_optional, ysws_checks_enabled,
                    feature_flags_csv, owner_id)
VALUES ('00000000-0000-0000-0000-0000000000ee', 'Bench', 'bench', '', 'BNCH', false, false,
        'bench-series', '00000000-0000-0000-0000-0000000000aa');
INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, points,
                      owner_id, event_id)
SELECT gen_random_uuid(), 'Project ' || lpad(n::text, 5, '0'), 'https://github.com/owner' || n || '/repo',
       'https://cdn.example/' || n || '.png', 'https://demo.example/' || n,
       repeat('A "quoted" word, then more. ', 14) || n, 'B' || n, n % 40,  0,
       (SELECT id FROM users WHERE email = 'owner' || (n % 3000 + 1) || '@example.com'),
       '00000000-0000-0000-0000-0000000000ee'
FROM generate_series(1, 10000) n;
ANALYZE;
SQL
token="$(python3 - <<'PY'
import base64, hashlib, hmac, json, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=")
head = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
body = b(json.dumps({"sub": "root@example.com", "token_type": "access", "exp": int(time.time()) + 3600}).encode())
sig = b(hmac.new(b"bench-secret", head + b"." + body, hashlib.sha256).digest())
print((head + b"." + body + b"." + sig).decode())
PY
)"
port=18091
PORT=$port PODIUM_DATABASE_URL="$db_url" PODIUM_JWT_SECRET=bench-secret RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/superadmin" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/superadmin/users"; do sleep 0.1; done
auth=(-H "authorization: Bearer $token")
curl -s -o /dev/null "${auth[@]}" "http://127.0.0.1:$port/superadmin/users?size=1"
hwm() { awk '/VmHWM/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "function peak RSS before the exports: $(hwm)"
echo "| run | seconds | bytes | rows |"
echo "|---|---|---|---|"
for run in 1 2 3 4 5; do
  out="$(curl -s "${auth[@]}" -o /tmp/podium-export.csv -w '%{time_total} %{size_download}' \
    "http://127.0.0.1:$port/superadmin/export-csv?event_id=00000000-0000-0000-0000-0000000000ee")"
  rows=$(( $(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))))' /tmp/podium-export.csv) - 1 ))
  echo "| $run | ${out% *} | ${out#* } | $rows |"
done
echo "function peak RSS after 5 exports: $(hwm)"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
total_users="$("$pgbin/psql" -tA "$db_url" -c 'SELECT count(*) FROM users')"
last=$(( (total_users + 49) / 50 ))
for page in 1 "$last"; do
  ms="$(for _ in $(seq 50); do curl -s -o /dev/null "${auth[@]}" -w '%{time_total}\n' \
    "http://127.0.0.1:$port/superadmin/users?page=$page&size=50"; done | median)"
  echo "GET /superadmin/users?page=$page&size=50 ($total_users users): median ${ms}s over 50"
done
echo "EXPLAIN ANALYZE of the users page (page 1000):"
"$pgbin/psql" -tA "$db_url" -c "EXPLAIN (ANALYZE, BUFFERS) WITH page AS (
    SELECT id, count(*) OVER () AS total FROM users ORDER BY email LIMIT 50 OFFSET 49950)
  SELECT u.id, u.email, u.display_name, u.is_superadmin, page.total
  FROM page JOIN users u USING (id) ORDER BY u.email" | grep -E "WindowAgg|Index Only|Index Scan|Seq Scan|Execution Time"
