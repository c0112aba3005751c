#!/usr/bin/env bash
# Schemathesis against the core's own OpenAPI document: every operation, property-based inputs
# (valid and invalid), with two checks: no 5xx, and every documented answer matches its schema.
# A pinned version in a venv (cached between runs), a fixed seed, bounded examples: the fuzzing
# phase (valid and invalid inputs) keeps a CI run under three minutes; `ST_PHASES=coverage,fuzzing`
# adds the boundary cases of every parameter (about ten minutes).
#
#   bash .ci/schemathesis.sh [path/to/crmtui]     # default: target/debug/crmtui (cargo build first)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
EXAMPLES=${ST_EXAMPLES:-15}
BIN=${1:-${CARGO_TARGET_DIR:-target}/debug/crmtui}
VENV=${XDG_CACHE_HOME:-$HOME/.cache}/crmtui-ci/schemathesis-$VERSION
if [ ! -x "$VENV/bin/st" ]; then
  command -v python3 >/dev/null || { echo "schemathesis: python3 is missing" >&2; exit 1; }
  python3 -m venv "$VENV" 2>/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$VENV"
  }
  "$VENV/bin/pip" install -q "schemathesis==$VERSION"
fi
[ -x "$BIN" ] || { echo "schemathesis: $BIN is missing (cargo build)" >&2; exit 1; }

WORK=$(mktemp -d)
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
# Sign-in limits off: the run signs in (and fails to) far more often than a person.
cat > "$WORK/config.toml" <<'TOML'
[core]
login_attempts_per_minute = 1000000
login_failures_per_account = 1000000
TOML
ids=$(echo "schemathesis-password" | "$BIN" admin create-user --data-dir "$WORK/data" \
      --email st@example.com --password-stdin --org Fuzz --role ADMIN)
ORG=$(echo "$ids" | sed -E 's/.*"org_id":"([^"]+)".*/\1/')
if [ "${ST_ACCOUNTS:-30}" -gt 0 ]; then
  "$BIN" admin seed-demo --data-dir "$WORK/data" --org Fuzz --accounts "${ST_ACCOUNTS:-30}" >/dev/null
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" serve --config "$WORK/config.toml" --data-dir "$WORK/data" \
  --bind "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/login/" -H 'Content-Type: application/json' \
        -d '{"email":"st@example.com","password":"schemathesis-password"}' \
        | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
# Access tokens live 15 minutes: far longer than the run.
"$VENV/bin/st" run "http://127.0.0.1:$PORT/api/schema/" \
  --header "Authorization: Bearer $TOKEN" --header "organization-id: $ORG" \
  --checks not_a_server_error,response_schema_conformance \
  --phases "${ST_PHASES:-fuzzing}" --suppress-health-check too_slow \
  --max-examples "$EXAMPLES" --seed 20261201 \
  --workers 2 --request-timeout 20 --no-color --warnings off
