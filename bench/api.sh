#!/usr/bin/env bash
# Benchmark of the bundled core: seeds orgs of 1,000 and 100,000 accounts and measures
# GET /api/accounts/?limit=10 (plain and with a name filter that matches a few accounts) and
# POST /api/accounts/ with wrk at 8 connections. Prints requests/s and p50/p99 latency.
#
#   bash bench/api.sh                 # both sizes, 10 s per run
#   DURATION=5 SIZES="100000" bash bench/api.sh
#
# Needs wrk (apt-get install wrk). Uses a release build and a temp data dir.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
SIZES=${SIZES:-"1000 100000"}
PORT=${PORT:-18765}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/crmtui
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# wrk's Lua: print one line "rps p50_ms p99_ms errors" after the run.
cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
               + summary.errors.write + summary.errors.timeout
  io.write(string.format("%.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA
# POST with a unique name per request, so every create succeeds.
cat > "$WORK/create.lua" <<'LUA'
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local body = string.format('{"name":"Bench %d-%d-%d","billing_city":"Austin","industry":"SOFTWARE","tags":["bench"]}',
    tid, counter, math.random(1, 1e9))
  return wrk.format("POST", nil, nil, body)
end
LUA
cat "$WORK/report.lua" >> "$WORK/create.lua"

run() { # label, url, extra wrk args...
  local label=$1 url=$2; shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
        -H "organization-id: $ORG" -H "Content-Type: application/json" "$@" "$url" | tail -n 1)
  read -r rps p50 p99 errors <<<"$out"
  printf '%-9s %-34s %9s req/s   p50 %7s ms   p99 %7s ms   errors %s\n' "$SIZE" "$label" "$rps" "$p50" "$p99" "$errors"
}

printf 'crmtui core benchmark: wrk -t%s -c%s -d%ss, %s cores\n' "$THREADS" "$CONNS" "$DURATION" "$(nproc)"
for SIZE in $SIZES; do
  DIR="$WORK/data-$SIZE"
  ids=$(echo "bench-password" | "$BIN" admin create-user --data-dir "$DIR" --email bench@example.com \
        --password-stdin --org Bench --role ADMIN)
  ORG=$(echo "$ids" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
  start=$(date +%s.%N)
  "$BIN" admin seed-demo --data-dir "$DIR" --org Bench --accounts "$SIZE" >/dev/null 2>&1
  printf '%-9s seed-demo: %.1f s\n' "$SIZE" "$(echo "$(date +%s.%N) - $start" | bc)"
  RUST_LOG=warn "$BIN" serve --data-dir "$DIR" --bind "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
  SERVER_PID=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
  TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login/" -H 'Content-Type: application/json' \
          -d '{"email":"bench@example.com","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  # A name that matches a few accounts: one account's serial number is unique.
  NAME=$(curl -sf "http://127.0.0.1:$PORT/api/accounts/?limit=1&offset=7" -H "Authorization: Bearer $TOKEN" \
         -H "organization-id: $ORG" | sed -E 's/.*"open_accounts":\[\{"id":"[^"]+","name":"[^"]* ([0-9]+)".*/\1/')
  run "GET list limit=10" "http://127.0.0.1:$PORT/api/accounts/?limit=10" -s "$WORK/report.lua"
  run "GET list limit=10 name=$NAME" "http://127.0.0.1:$PORT/api/accounts/?limit=10&name=$NAME" -s "$WORK/report.lua"
  run "POST create" "http://127.0.0.1:$PORT/api/accounts/" -s "$WORK/create.lua"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
done
