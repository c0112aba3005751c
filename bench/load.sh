#!/usr/bin/env bash
# Load test of the bundled core: 200 connections at once for 60 s, split over four kinds of
# request running together (list, detail, create, comment), on a seeded org. Prints, per kind,
# requests/s, p50/p99 latency and errors (non-2xx answers and socket errors: the target is 0),
# then the server's peak RSS.
#
#   bash bench/load.sh                                   # SQLite, 10,000 accounts
#   ACCOUNTS=100000 DURATION=30 bash bench/load.sh
#   bash bench/load.sh postgres://postgres@127.0.0.1:5432/postgres   # on PostgreSQL
#
# Needs wrk (apt-get install wrk); psql for PostgreSQL (the script creates and drops a database).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60}
CONNS=${CONNS:-200}
ACCOUNTS=${ACCOUNTS:-10000}
PORT=${PORT:-18766}
PG_URL=${1:-${BENCH_DATABASE_URL:-}}

command -v wrk >/dev/null || { echo "load: wrk is missing (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/crmtui
WORK=$(mktemp -d)
SERVER_PID=""
PG_DB=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -n "$PG_DB" ] && psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "$PG_URL" ]; then
  PG_DB="crmtui_load_$$"
  psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  DB_ARGS=(--database "$(echo "$PG_URL" | sed -E "s#^(postgres(ql)?://[^/]*)(/[^?]*)?#\\1/$PG_DB#")")
  ENGINE=postgres
else
  DB_ARGS=(--data-dir "$WORK/data")
  ENGINE=sqlite
fi
ids=$(echo "load-password" | "$BIN" admin create-user "${DB_ARGS[@]}" --email load@example.com \
      --password-stdin --org Load --role ADMIN)
ORG=$(echo "$ids" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
"$BIN" admin seed-demo "${DB_ARGS[@]}" --org Load --accounts "$ACCOUNTS" >/dev/null 2>&1
# Room for every connection at once (the default cap is the same; said here so it shows).
cat > "$WORK/config.toml" <<TOML
[core]
max_connections = 1024
TOML
RUST_LOG=warn "$BIN" serve --config "$WORK/config.toml" "${DB_ARGS[@]}" --bind "127.0.0.1:$PORT" \
  2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login/" -H 'Content-Type: application/json' \
        -d '{"email":"load@example.com","password":"load-password"}' \
        | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
ACCOUNT=$(curl -sf "http://127.0.0.1:$PORT/api/accounts/?limit=1" -H "Authorization: Bearer $TOKEN" \
          -H "organization-id: $ORG" | sed -E 's/.*"open_accounts":\[\{"id":"([^"]+)".*/\1/')

# wrk's Lua: one line "rps p50_ms p99_ms errors" after the run; non-2xx answers count as errors.
cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
               + summary.errors.write + summary.errors.timeout
  io.write(string.format("%.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA
cat > "$WORK/create.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"name":"Load %d-%d","billing_city":"Austin","tags":["load"]}',
    counter, math.random(1, 1e9))
  return wrk.format("POST", nil, nil, body)
end
LUA
cat "$WORK/report.lua" >> "$WORK/create.lua"
cat > "$WORK/comment.lua" <<'LUA'
request = function()
  return wrk.format("POST", nil, nil, '{"comment":"load test note"}')
end
LUA
cat "$WORK/report.lua" >> "$WORK/comment.lua"

per=$((CONNS / 4))
base="http://127.0.0.1:$PORT"
headers=(-H "Authorization: Bearer $TOKEN" -H "organization-id: $ORG" -H "Content-Type: application/json")
printf 'crmtui load: %s, %s accounts, %s connections (%s per kind) for %ss, %s cores\n' \
  "$ENGINE" "$ACCOUNTS" "$CONNS" "$per" "$DURATION" "$(nproc)"
declare -A OUT
for kind in list detail create comment; do
  case $kind in
    list) url="$base/api/accounts/?limit=10"; script=report.lua ;;
    detail) url="$base/api/accounts/$ACCOUNT/"; script=report.lua ;;
    create) url="$base/api/accounts/"; script=create.lua ;;
    comment) url="$base/api/accounts/$ACCOUNT/"; script=comment.lua ;;
  esac
  wrk -t1 -c"$per" -d"${DURATION}s" --timeout 10s "${headers[@]}" -s "$WORK/$script" "$url" \
    >"$WORK/$kind.out" 2>&1 &
  OUT[$kind]=$!
done
for kind in list detail create comment; do wait "${OUT[$kind]}" || true; done
total_errors=0
for kind in list detail create comment; do
  read -r rps p50 p99 errors <<<"$(tail -n 1 "$WORK/$kind.out")"
  total_errors=$((total_errors + errors))
  printf '%-8s %9s req/s   p50 %8s ms   p99 %8s ms   errors %s\n' "$kind" "$rps" "$p50" "$p99" "$errors"
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
printf 'errors   %s in total\npeak RSS %s MiB\n' "$total_errors" "$((rss / 1024))"
