#!/usr/bin/env bash
# The account list benchmark of bench/api.sh, run against the bundled core and a live BottleCRM
# 1.x in the same run, on the same machine, with the same wrk settings: both with an org of
# ACCOUNTS accounts (default 1,000), GET /api/accounts/?limit=10. Prints requests/s and p50/p99.
#
#   bash ../shared/refs/bottlecrm1/setup.sh     # once: BottleCRM on 127.0.0.1:8135
#   bash bench/bottlecrm.sh
#   DURATION=30 ACCOUNTS=1000 bash bench/bottlecrm.sh
#
# BottleCRM's side: the second org setup.sh creates ("Ref Second Org") is filled to ACCOUNTS
# accounts with plain SQL inserts (once; PostgreSQL as its superuser, so row-level security does
# not apply), and a token bound to it comes from the package's own `devlogin` command. Needs wrk
# (apt-get install wrk) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
ACCOUNTS=${ACCOUNTS:-1000}
PORT=${PORT:-18766}
ROOT=${BOTTLECRM_ROOT:-/tmp/bottlecrm1}
BENCH_ORG=${BENCH_ORG:-Ref Second Org}
TARGET=${CARGO_TARGET_DIR:-target}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -f "$ROOT/creds.env" ] || { echo "bench: no $ROOT/creds.env; run ../shared/refs/bottlecrm1/setup.sh" >&2; exit 1; }
cargo build --release --quiet
BIN=$TARGET/release/crmtui
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
               + summary.errors.write + summary.errors.timeout
  io.write(string.format("%.1f %.2f %.2f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, summary.requests))
end
LUA

run() { # server, url, extra wrk args...
  local server=$1 url=$2; shift 2
  local out
  # A generous timeout: BottleCRM answers in seconds under load, and wrk's default (2 s) would
  # count those answers as errors instead of measuring them.
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 60s -s "$WORK/report.lua" "$@" "$url" | tail -n 1)
  read -r rps p50 p99 errors n <<<"$out"
  printf '%-22s %-26s %9s req/s   p50 %9s ms   p99 %9s ms   requests %s   errors %s\n' \
    "$server" "GET list limit=10" "$rps" "$p50" "$p99" "$n" "$errors"
}

printf 'list benchmark, %s accounts: wrk -t%s -c%s -d%ss, %s cores\n' "$ACCOUNTS" "$THREADS" "$CONNS" "$DURATION" "$(nproc)"

# ---------------------------------------------------------------- the core
DIR="$WORK/core"
ids=$(echo "bench-password" | "$BIN" admin create-user --data-dir "$DIR" --email bench@example.com \
      --password-stdin --org Bench --role ADMIN)
ORG=$(echo "$ids" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
"$BIN" admin seed-demo --data-dir "$DIR" --org Bench --accounts "$ACCOUNTS" >/dev/null 2>&1
RUST_LOG=warn "$BIN" serve --data-dir "$DIR" --bind "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login/" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
run "crmtui core" "http://127.0.0.1:$PORT/api/accounts/?limit=10" \
  -H "Authorization: Bearer $TOKEN" -H "organization-id: $ORG"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

# ---------------------------------------------------------------- BottleCRM
set -a; . "$ROOT/app.env"; . "$ROOT/creds.env"; set +a
psql_su() { runuser -u postgres -- /usr/lib/postgresql/15/bin/psql -h "$ROOT/pg/sock" -p "$DBPORT" \
            -U postgres -d "$DBNAME" -v ON_ERROR_STOP=1 -qtA "$@"; }
BORG=$(psql_su -c "select id from organization where name = '$BENCH_ORG' order by created_at limit 1")
[ -n "$BORG" ] || { echo "bench: no org named $BENCH_ORG (setup.sh creates it)" >&2; exit 1; }
HAVE=$(psql_su -c "select count(*) from accounts where org_id = '$BORG'")
if [ "$HAVE" -lt "$ACCOUNTS" ]; then
  psql_su -c "insert into accounts (id, created_at, updated_at, name, city, industry, country,
                is_active, org_id, custom_fields, is_sample)
              select gen_random_uuid(), now(), now(), 'Bench Account ' || g,
                (array['Austin','Lisbon','Porto','Berlin'])[1 + g % 4], 'SOFTWARE', 'US',
                g % 5 <> 0, '$BORG', '{}'::jsonb, false
              from generate_series($HAVE + 1, $ACCOUNTS) g"
fi
# An access token bound to that org, minted by the package's dev command (DEBUG only).
BTOKEN=$(cd "$ROOT/run" && DEBUG=True "$ROOT/venv/bin/python" "$ROOT/site/manage.py" devlogin \
         "$ADMIN_EMAIL" --org "$BORG" | sed -n 's/^access_token: *//p')
[ -n "$BTOKEN" ] || { echo "bench: devlogin gave no token" >&2; exit 1; }
COUNT=$(curl -sf "$BASE_URL/api/accounts/?limit=1" -H "Authorization: Bearer $BTOKEN" |
        "$ROOT/venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(d["active_accounts"]["open_accounts_count"] + d["closed_accounts"]["close_accounts_count"])')
[ "$COUNT" = "$ACCOUNTS" ] || echo "bench: note: BottleCRM lists $COUNT accounts in $BENCH_ORG"
WORKERS=$(pgrep -P "$(cat "$ROOT/server.pid")" | wc -l)
run "BottleCRM 1.35 (${WORKERS}w)" "$BASE_URL/api/accounts/?limit=10" -H "Authorization: Bearer $BTOKEN"
