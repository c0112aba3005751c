#!/usr/bin/env bash
# Figures for the TUI, measured on the real release binary in tmux (an 80x24 terminal):
#   1. start to the first frame with data, embedded core on an existing workspace;
#   2. key-to-frame latency while scrolling an org of 100,000 accounts (j and PageDown held);
#   3. RSS of the TUI (embedded: TUI + core in one process; remote: the TUI alone);
#   4. across the CRM (issue 8's targets): each list's first frame with data after its command
#      (:contacts … :invoices, :dashboard; target 150 ms), key-to-frame while moving in them
#      (p99 16 ms), opening an account's related record and coming back (100 ms), and RSS
#      after every list was shown (40 MB).
# The app logs its own timings (target crmtui::latency) to the log file in the XDG state dir;
# this script only drives it and summarises the log.
#
#   bash bench/tui.sh            # ~100k accounts; the workspace is kept in $BENCH_DIR for reruns
#   ACCOUNTS=20000 bash bench/tui.sh
#   BIN=target/debug/crmtui bash bench/tui.sh   # another build, no cargo
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100000}
BENCH_DIR=${BENCH_DIR:-/tmp/crmtui-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$CARGO_TARGET_DIR/release/crmtui
fi
export HOME=$BENCH_DIR/home XDG_CONFIG_HOME=$BENCH_DIR/home/config XDG_STATE_HOME=$BENCH_DIR/home/state
mkdir -p "$HOME"
LOG=$XDG_STATE_HOME/crmtui/crmtui.log
# tmux sessions get the tmux server's environment, not ours: pass it in the command.
ENVS="HOME=$HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME"
DATA=$BENCH_DIR/data-$ACCOUNTS

if [ ! -e "$DATA/.seeded" ]; then
  echo "seeding $ACCOUNTS accounts into $DATA (once)…"
  rm -rf "$DATA"
  /usr/bin/time -f "  seeded in %es" "$BIN" admin seed-demo --data-dir "$DATA" --org Local --accounts "$ACCOUNTS" >/dev/null
  touch "$DATA/.seeded"
fi

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
tui_pid() { # the crmtui process running in the tmux pane
  local shell; shell=$(tmux list-panes -t bench -F '#{pane_pid}')
  pgrep -P "$shell" crmtui || echo "$shell"
}
switches() { # every "switch to frame" line: what and how long
  grep 'switch to frame' "$LOG" | sed -E 's/.*ms=([0-9.]+).*what="?([a-z ]+)"?.*/\2 \1/' | awk '
    { n[$0]++; split($0, f, " "); ms=f[length(f)]; name=$0; sub(/ [0-9.]+$/, "", name);
      c[name]++; s[name]+=ms; if (ms>m[name]) m[name]=ms }
    END { for (k in c) printf "  %-20s n=%-3d mean %7.1f ms  max %7.1f ms\n", k, c[k], s[k]/c[k], m[k] }' | sort
}
crm_tour() { # every list, moving in each; then an account's related records and back
  for v in contacts leads opps cases tasks invoices dashboard accounts; do
    local before; before=$(grep -c 'switch to frame' "$LOG" 2>/dev/null || true)
    tmux send-keys -t bench ":$v" Enter
    # Wait for its frame with data (at most 15 s) before the next command replaces it.
    for _ in $(seq 1 300); do
      [ "$(grep -c 'switch to frame' "$LOG" 2>/dev/null || true)" -gt "${before:-0}" ] && break
      sleep 0.05
    done
    tmux send-keys -t bench $(printf 'j %.0s' $(seq 1 30)); sleep 0.3
  done
  tmux send-keys -t bench g; sleep 0.5
  for _ in $(seq 1 10); do
    tmux send-keys -t bench Enter; sleep 0.3          # the account's detail
    tmux send-keys -t bench j j; sleep 0.3            # its first links
    tmux send-keys -t bench Enter; sleep 0.6          # open one
    tmux send-keys -t bench Escape; sleep 0.3         # and back
    tmux send-keys -t bench Escape j; sleep 0.4       # the next account
  done
}
summary() { # percentiles of the "key to frame" lines in the log
  grep 'key to frame' "$LOG" | sed -E 's/.*us=([0-9]+).*/\1/' | sort -n | awk '
    { a[NR]=$1 } END { if (NR==0) { print "  no samples"; exit }
      printf "  keys %d  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", NR, a[int(NR*0.5)+0]/1000, a[int(NR*0.99)+0]/1000, a[NR]/1000 }'
}
scroll() { # presses j and PageDown in bursts, like a held key
  for _ in $(seq 1 20); do
    tmux send-keys -t bench $(printf 'j %.0s' $(seq 1 50)); sleep 0.05
    tmux send-keys -t bench PageDown PageDown PageDown PageDown PageDown; sleep 0.05
  done
  tmux send-keys -t bench End; sleep 0.5
  for _ in $(seq 1 10); do tmux send-keys -t bench $(printf 'k %.0s' $(seq 1 50)) PageUp PageUp; sleep 0.05; done
  sleep 0.5
}

echo "== embedded core, existing workspace of $ACCOUNTS accounts (tmux 80x24)"
tmux kill-session -t bench 2>/dev/null || true
for i in 1 2 3 4 5; do
  # Each start from the accounts list, not where the last run left off (the UI state).
  rm -f "$LOG" "$XDG_STATE_HOME"/crmtui/ui-*.json; mkdir -p "$(dirname "$LOG")"
  tmux new-session -d -s bench -x 80 -y 24 "env $ENVS RUST_LOG=crmtui::latency=debug,info $BIN --data-dir $DATA"
  for _ in $(seq 1 100); do grep -q 'first frame with data' "$LOG" 2>/dev/null && break; sleep 0.05; done
  grep -o 'first frame with data.*' "$LOG" | sed -E 's/.*ms=([0-9.]+).*/  run '$i': first frame with data after \1 ms/' || echo "  run $i: no data frame"
  if [ "$i" -lt 5 ]; then tmux send-keys -t bench q; sleep 0.3; tmux kill-session -t bench 2>/dev/null || true; fi
done
sleep 0.5
rm -f "$LOG.keys"; : > "$LOG"
scroll
echo "key to frame while scrolling (embedded):"; summary
echo "RSS (TUI + embedded core, one process): $(( $(rss_kb "$(tui_pid)") / 1024 )) MB"
tmux capture-pane -p -t bench | head -3
: > "$LOG"
crm_tour
echo "across the CRM (embedded): command or key to the frame with its data:"; switches
echo "key to frame across the CRM (embedded):"; summary
echo "RSS after every list (TUI + embedded core): $(( $(rss_kb "$(tui_pid)") / 1024 )) MB"
tmux send-keys -t bench q; sleep 0.3; tmux kill-session -t bench 2>/dev/null || true

echo "== remote: crmtui serve in its own process, the TUI alone"
PORT=18765
printf 'benchpassword\n' | "$BIN" admin create-user --data-dir "$DATA" --email bench@example.com --password-stdin --org Local --role ADMIN >/dev/null 2>&1 || true
"$BIN" serve --data-dir "$DATA" --bind 127.0.0.1:$PORT >/dev/null 2>&1 &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true; tmux kill-session -t bench 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz/" >/dev/null && break; sleep 0.1; done
LOGIN=$(curl -fs -H 'content-type: application/json' -d '{"email":"bench@example.com","password":"benchpassword"}' "http://127.0.0.1:$PORT/api/auth/login/")
TOKEN=$(printf '%s' "$LOGIN" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
ORG=$(printf '%s' "$LOGIN" | sed -E 's/.*"organizations":\[\{"id":"([^"]+)".*/\1/')
rm -f "$LOG" "$XDG_STATE_HOME"/crmtui/ui-*.json
tmux new-session -d -s bench -x 80 -y 24 "env $ENVS CRMTUI_TOKEN=$TOKEN RUST_LOG=crmtui::latency=debug,info $BIN --server http://127.0.0.1:$PORT --org $ORG"
for _ in $(seq 1 100); do grep -q 'first frame with data' "$LOG" 2>/dev/null && break; sleep 0.05; done
grep -o 'first frame with data.*' "$LOG" | sed -E 's/.*ms=([0-9.]+).*/  first frame with data after \1 ms (remote)/' || true
: > "$LOG"
scroll
echo "key to frame while scrolling (remote):"; summary
echo "RSS of the TUI alone: $(( $(rss_kb "$(tui_pid)") / 1024 )) MB"
tmux capture-pane -p -t bench | head -3
: > "$LOG"
crm_tour
echo "across the CRM (remote): command or key to the frame with its data:"; switches
echo "key to frame across the CRM (remote):"; summary
echo "RSS of the TUI alone after every list: $(( $(rss_kb "$(tui_pid)") / 1024 )) MB"
tmux send-keys -t bench q; sleep 0.3
