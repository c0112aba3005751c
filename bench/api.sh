#!/usr/bin/env bash
# Benchmark of the bundled core: seeds orgs of 1,000 and 100,000 accounts (with seed-demo's
# ratios of contacts, leads, deals, cases, tasks and invoices: see src/server/store/seed.rs) and
# measures, with wrk at 8 connections, GET /healthz/ (the HTTP floor), the first page (limit=10)
# of every list (accounts, contacts, leads, opportunities, cases, tasks, invoices), plain and
# with its text filter, and POST /api/accounts/. Prints requests/s, p50/p99 latency, each page's
# requests/s as a share of healthz's in the same run and, per list, its cost at the largest size
# over its cost at the smallest (the target: at most 5x).
#
# A repeated GET is answered from the core's kept answers (server/answers.rs) until anything
# changes. So the accounts pages are measured repeated, "made" (a query parameter of its own per
# request, so that each is made from the database, as right after a write) and, the plain page,
# repeated while another client writes ten times a second. Every other list, and the
# cost-by-size table, is measured made only: it is about what the queries cost.
#
#   bash bench/api.sh                                  # SQLite, both sizes, 10 s per run
#   DURATION=5 SIZES="100000" bash bench/api.sh
#   bash bench/api.sh postgres://postgres@127.0.0.1:5432/postgres   # SQLite, then PostgreSQL
#   BENCH_DATABASE_URL=postgres://... ENGINES=postgres bash bench/api.sh
#
# On PostgreSQL the URL names a server where the script may create (and afterwards drops) one
# database per size. Needs wrk (apt-get install wrk), and psql for PostgreSQL. Uses a release
# build and a temp data dir.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
SIZES=${SIZES:-"1000 100000"}
PORT=${PORT:-18765}
PG_URL=${1:-${BENCH_DATABASE_URL:-}}
ENGINES=${ENGINES:-"sqlite${PG_URL:+ postgres}"}

command -v wrk >/dev/null || { echo "bench: wrk is missing (apt-get install wrk)" >&2; exit 1; }
if [[ " $ENGINES " == *" postgres "* ]]; then
  [ -n "$PG_URL" ] || { echo "bench: PostgreSQL needs a URL (argument or BENCH_DATABASE_URL)" >&2; exit 1; }
  command -v psql >/dev/null || { echo "bench: psql is missing (apt-get install postgresql-client)" >&2; exit 1; }
fi
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/crmtui
WORK=$(mktemp -d)
SERVER_PID=""
PG_DBS=()
cleanup() {
  if [ -n "${WRITER:-}" ]; then kill "$WRITER" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  for db in "${PG_DBS[@]}"; do psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
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
# GET with a query parameter of its own per request (the API ignores unknown ones): no answer
# is ever kept, so each one is made from the database, as after a write.
cat > "$WORK/made.lua" <<'LUA'
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, string.format("%s&made=%d-%d", wrk.path, counter, math.random(1, 1e9)))
end
LUA
cat "$WORK/report.lua" >> "$WORK/made.lua"

RPS=0
declare -A LIST_RPS # "engine size label" -> req/s
LISTS="contacts:search leads:search opportunities:name cases:search tasks:search invoices:search"
LABELS=(accounts "accounts name=")
for list in $LISTS; do LABELS+=("${list%%:*}" "${list%%:*} ${list#*:}="); done
run() { # label, url, extra wrk args...
  local label=$1 url=$2; shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
        -H "organization-id: $ORG" -H "Content-Type: application/json" "$@" "$url" | tail -n 1)
  read -r rps p50 p99 errors <<<"$out"
  RPS=$rps
  printf '%-8s %-9s %-34s %9s req/s   p50 %7s ms   p99 %7s ms   errors %s\n' \
    "$ENGINE" "$SIZE" "$label" "$rps" "$p50" "$p99" "$errors"
}

ratio() { # label, page rps, healthz rps
  printf '%-8s %-9s %-34s %9s of healthz (1/%s)\n' "$ENGINE" "$SIZE" "$1" \
    "$(echo "scale=3; $2 / $3" | bc)" "$(echo "scale=1; $3 / $2" | bc)"
}

# Figures drift with whatever else the machine runs: the load average is printed with them.
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?"; }
printf 'crmtui core benchmark: wrk -t%s -c%s -d%ss, %s cores, load average %s\n' "$THREADS" "$CONNS" \
  "$DURATION" "$(nproc)" "$(loadavg)"
for ENGINE in $ENGINES; do
  for SIZE in $SIZES; do
    if [ "$ENGINE" = postgres ]; then
      name="crmtui_bench_${SIZE}_$$"
      psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1
      PG_DBS+=("$name")
      DB_ARGS=(--database "$(echo "$PG_URL" | sed -E "s#^(postgres(ql)?://[^/]*)(/[^?]*)?#\\1/$name#")")
    else
      DB_ARGS=(--data-dir "$WORK/data-$SIZE")
    fi
    ids=$(echo "bench-password" | "$BIN" admin create-user "${DB_ARGS[@]}" --email bench@example.com \
          --password-stdin --org Bench --role ADMIN)
    ORG=$(echo "$ids" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
    start=$(date +%s.%N)
    "$BIN" admin seed-demo "${DB_ARGS[@]}" --org Bench --accounts "$SIZE" >/dev/null 2>&1
    printf '%-8s %-9s seed-demo: %.1f s\n' "$ENGINE" "$SIZE" "$(echo "$(date +%s.%N) - $start" | bc)"
    [ "$ENGINE" = postgres ] && psql -q "${DB_ARGS[1]}" -c "VACUUM ANALYZE" >/dev/null
    RUST_LOG=warn "$BIN" serve "${DB_ARGS[@]}" --bind "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
    TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login/" -H 'Content-Type: application/json' \
            -d '{"email":"bench@example.com","password":"bench-password"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
    # A name that matches a few accounts: one account's serial number is unique.
    NAME=$(curl -sf "http://127.0.0.1:$PORT/api/accounts/?limit=1&offset=7" -H "Authorization: Bearer $TOKEN" \
           -H "organization-id: $ORG" | sed -E 's/.*"open_accounts":\[\{"id":"[^"]+","name":"[^"]* ([0-9]+)".*/\1/')
    run "GET /healthz/" "http://127.0.0.1:$PORT/healthz/" -s "$WORK/report.lua"; health=$RPS
    run "GET list limit=10" "http://127.0.0.1:$PORT/api/accounts/?limit=10" -s "$WORK/report.lua"; page=$RPS
    run "GET list limit=10 name=$NAME" "http://127.0.0.1:$PORT/api/accounts/?limit=10&name=$NAME" -s "$WORK/report.lua"; filtered=$RPS
    run "GET list limit=10, made" "http://127.0.0.1:$PORT/api/accounts/?limit=10" -s "$WORK/made.lua"; page_made=$RPS
    LIST_RPS["$ENGINE $SIZE accounts"]=$page_made
    run "GET list limit=10 name=$NAME, made" "http://127.0.0.1:$PORT/api/accounts/?limit=10&name=$NAME" -s "$WORK/made.lua"; filtered_made=$RPS
    LIST_RPS["$ENGINE $SIZE accounts name="]=$filtered_made
    # The other lists, plain and with their text filter. The account's serial number is in the
    # names, emails and numbers of its records, so it matches a few of each; task titles have
    # no numbers, so tasks search a word of one title in eight.
    for list in $LISTS; do
      path=${list%%:*} filter=${list#*:}
      value=$NAME; [ "$path" = tasks ] && value=qbr
      run "GET $path limit=10, made" "http://127.0.0.1:$PORT/api/$path/?limit=10" -s "$WORK/made.lua"
      LIST_RPS["$ENGINE $SIZE $path"]=$RPS
      run "GET $path $filter=$value, made" "http://127.0.0.1:$PORT/api/$path/?limit=10&$filter=$value" -s "$WORK/made.lua"
      LIST_RPS["$ENGINE $SIZE $path $filter="]=$RPS
    done
    run "POST create" "http://127.0.0.1:$PORT/api/accounts/" -s "$WORK/create.lua"
    # The kept page while another client writes ten times a second: each write retires it.
    ( while :; do
        curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/api/tasks/" -H "Authorization: Bearer $TOKEN" \
          -H "organization-id: $ORG" -H 'Content-Type: application/json' \
          -d '{"title":"Bench write","status":"New","priority":"Low"}'
        sleep 0.1
      done ) &
    WRITER=$!
    run "GET list limit=10, 10 writes/s" "http://127.0.0.1:$PORT/api/accounts/?limit=10" -s "$WORK/report.lua"; page_writes=$RPS
    kill "$WRITER"; wait "$WRITER" 2>/dev/null || true; WRITER=""
    ratio "page / healthz" "$page" "$health"
    ratio "filtered page / healthz" "$filtered" "$health"
    ratio "page made / healthz" "$page_made" "$health"
    ratio "page, 10 writes/s / healthz" "$page_writes" "$health"
    ratio "filtered page made / healthz" "$filtered_made" "$health"
    for label in "${LABELS[@]:2}"; do
      rps=${LIST_RPS["$ENGINE $SIZE $label"]:-0}
      [ "$rps" != 0 ] && ratio "$label, made / healthz" "$rps" "$health"
    done
    printf '%-8s %-9s load average %s\n' "$ENGINE" "$SIZE" "$(loadavg)"
    kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  done
done

# Per list: what a page costs at the largest size over what it costs at the smallest (the
# inverse ratio of their requests/s). The target is at most 5x.
read -r -a sizes <<<"$SIZES"
small=${sizes[0]} large=${sizes[${#sizes[@]}-1]}
if [ "$small" != "$large" ]; then
  printf '\ncost of a page at %s accounts over its cost at %s (target: at most 5x)\n' "$large" "$small"
  for ENGINE in $ENGINES; do
    for label in "${LABELS[@]}"; do
      a=${LIST_RPS["$ENGINE $small $label"]:-} b=${LIST_RPS["$ENGINE $large $label"]:-}
      [ -n "$a" ] && [ -n "$b" ] || continue
      if [ "$b" = 0 ]; then # not one answer within wrk's 2 s timeout
        printf '%-8s %-22s %9s -> %9s req/s   %6s    %s\n' "$ENGINE" "$label" "$a" "$b" "-" "MISSES (no answer in 2 s)"
        continue
      fi
      x=$(echo "scale=1; $a / $b" | bc)
      verdict=ok; [ "$(echo "$x > 5" | bc)" = 1 ] && verdict=MISSES
      printf '%-8s %-22s %9s -> %9s req/s   %6sx   %s\n' "$ENGINE" "$label" "$a" "$b" "$x" "$verdict"
    done
  done
fi
