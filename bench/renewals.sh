#!/usr/bin/env bash
# Renewal benchmark: N test-mode subscriptions fall due at once and are renewed through the simulator.
# Publishes a Release build, starts it on 127.0.0.1 with a fresh database (synchronous=FULL, as
# shipped), puts N subscriptions straight into the database (each with its intent and a stored
# simulator card that approves), then measures one of:
#   advance  POST /api/platform/test/clock/advance {"days": 30}: the test clock's run of the due work,
#            answered when every renewal is recorded (the HTTP call's time);
#   job      the renew-subscriptions Hangfire job (every second) on I instances sharing the database:
#            from the moment the subscriptions fall due to the last renewal recorded.
# Then checks that nothing was charged twice: one renewal attempt, one charge, one simulator
# transaction and one subscription.renewed event per subscription, and every period moved once.
# Usage: bash bench/renewals.sh [advance|job] [count, default 10000] [instances for job, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-advance}
count=${2:-10000}
instances=${3:-1}
port=${BENCH_PORT:-5078}
out=bench/out/renewals
data=$out/data
client=pk_test_bench
secret=sk_test_bench_secret

if ! command -v sqlite3 >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq sqlite3 >/dev/null; fi
fi

# BENCH_REUSE_BUILD=1 keeps the last published build (for several runs in a row).
if [ "${BENCH_REUSE_BUILD:-0}" = 1 ] && [ -x "$out/app/PaymentHub" ]; then
  rm -rf "$data" "$out"/*.log "$out"/advance.*
else
  rm -rf "$out" && mkdir -p "$out"
  echo "== publishing Release build"
  dotnet publish PaymentHub.csproj -c Release -o "$out/app" --nologo -v quiet >/dev/null
fi

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
start() { # instance number
  local p=$((port + $1))
  PAYMENTHUB_DATA="$data" PAYMENTHUB_BOOTSTRAP_CLIENT_ID=$client PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=$secret \
  Logging__LogLevel__Default=Warning PaymentHub__Billing__Concurrency=${BENCH_CONCURRENCY:-64} \
  PaymentHub__RenewIntervalSeconds=$([ "$mode" = job ] && echo 1 || echo 0) \
  PaymentHub__Jobs__Server=$([ "$mode" = job ] && echo true || echo false) \
  "$out/app/PaymentHub" --urls "http://127.0.0.1:$p" --Logging:LogLevel:PaymentHub.Features.Subscriptions.RenewSubscriptions=Information \
    >"$out/server-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$p/health" >/dev/null && return; sleep 0.2; done
  echo "instance $1 did not start"; cat "$out/server-$1.log"; exit 1
}
start 0

db="$data/paymenthub.db"
sql() { sqlite3 -cmd ".timeout 10000" "$db" "$@"; }
merchant=$(sql "SELECT merchant_id FROM api_clients WHERE client_id = '$client'")
now=$(date +%s%3N)
day=86400000
if [ "$mode" = job ]; then
  for i in $(seq 1 $((instances - 1))); do start "$i"; done
  # Due a few seconds from now: seeding finishes first, then every job run finds them due.
  t0=$((now - 30 * day + 8000))
else
  t0=$now
fi
due=$((t0 + 30 * day))

echo "== seeding $count subscriptions due at $(date -u -d @$((due / 1000)) +%FT%TZ)"
sql <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO intents (id, merchant_id, mode, reference_id, customer_ref_id, intent_type, interval_days, amount, currency, email, name,
    integration_type, success_url, cancel_url, capture_method, status, payment_token, created_at, updated_at, expires_at)
SELECT 'pi_bench_' || i, '$merchant', 'test', 'bench-sub-' || i, 'CUST-' || i, 'recurring', 30, 8000, 'USD', 'c' || i || '@example.com',
    'Bench Customer', 'url', 'https://example.com/s', 'https://example.com/c', 'automatic', 'succeeded', 'tok_bench_' || i, $t0, $t0, $((t0 + day))
FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO vaulted_cards (vault_id, merchant_id, mode, gateway, behaviour, card_brand, card_last4, card_expiry, created_at)
SELECT 'vault_sim_bench_' || i, '$merchant', 'test', 'simulator', 'approve', 'visa', '4242', '12/30', $t0 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO subscriptions (id, intent_id, merchant_id, mode, status, amount, currency, interval_days, vault_id, initial_transaction_id,
    card_brand, card_last4, card_expiry, next_charge_at, failed_attempts, created_at, updated_at, customer_ref_id, email, name,
    current_period, current_period_start, current_period_end)
SELECT 'sub_bench_' || i, 'pi_bench_' || i, '$merchant', 'test', 'active', 8000, 'USD', 30, 'vault_sim_bench_' || i, 'sim_first_' || i,
    'visa', '4242', '12/30', $due, 0, $t0, $t0, 'CUST-' || i, 'c' || i || '@example.com', 'Bench Customer', 1, $t0, $due
FROM n;
SQL

# CPU seconds (user + system) the instances used: a figure other load on the machine disturbs less than the wall time.
cpu() { local t=0; for p in "${pids[@]}"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$t"; }
ticks=$(getconf CLK_TCK)
cpu_before=$(cpu)
# BENCH_TRACE=1: a sampled thread-time trace of the first instance during the run (needs dotnet-trace), in $out/trace.nettrace.
if [ "${BENCH_TRACE:-0}" = 1 ]; then
  dotnet-trace collect -p "${pids[0]}" --profile dotnet-sampled-thread-time,dotnet-common -o "$out/trace.nettrace" >"$out/trace.log" 2>&1 &
  tracer=$!
  sleep 2
fi
if [ "$mode" = advance ]; then
  echo "== POST /api/platform/test/clock/advance {\"days\": 30}"
  curl -sf -o "$out/advance.json" -w "%{time_total}\n" -X POST "http://127.0.0.1:$port/api/platform/test/clock/advance" \
    -H "X-Client-ID: $client" -H "X-Client-Secret: $secret" -H "Content-Type: application/json" -d '{"days": 30}' >"$out/advance.time"
  cat "$out/advance.json"; echo
  echo "renewal time: $(cat "$out/advance.time") s (the HTTP call)"
else
  echo "== waiting for $instances instance(s) of the renew-subscriptions job"
  for _ in $(seq 1 600); do
    done_count=$(sql "SELECT COUNT(*) FROM renewal_attempts WHERE status = 'succeeded'")
    [ "$done_count" -ge "$count" ] && break
    sleep 0.5
  done
  read -r first last < <(sql -separator ' ' "SELECT MIN(created_at), MAX(updated_at) FROM renewal_attempts")
  echo "from due to the last renewal recorded: $(awk "BEGIN { printf \"%.2f\", ($last - $due) / 1000 }") s" \
       "(first claim $(awk "BEGIN { printf \"%.2f\", ($first - $due) / 1000 }") s after due; claims to last: $(awk "BEGIN { printf \"%.2f\", ($last - $first) / 1000 }") s)"
  for i in $(seq 0 $((instances - 1))); do grep -h "Renewals:" "$out/server-$i.log" | sed "s/^/instance $i: /" || true; done
fi

if [ -n "${tracer:-}" ]; then kill -TERM "$tracer" 2>/dev/null || true; wait "$tracer" || true; fi
echo "server CPU: $(awk "BEGIN { printf \"%.2f\", ($(cpu) - $cpu_before) / $ticks }") s (user + system, all instances)"
echo "== checks"
sql -header -column <<SQL
SELECT
  (SELECT COUNT(*) FROM subscriptions WHERE current_period = 2 AND status = 'active') AS renewed_subscriptions,
  (SELECT COUNT(*) FROM renewal_attempts) AS attempts,
  (SELECT COUNT(*) FROM charges WHERE kind = 'renewal' AND status = 'success') AS renewal_charges,
  (SELECT COUNT(*) FROM simulator_transactions) AS simulator_transactions,
  (SELECT COUNT(*) FROM events WHERE type = 'subscription.renewed') AS renewed_events,
  (SELECT COUNT(*) FROM (SELECT subscription_id FROM charges WHERE kind = 'renewal' GROUP BY subscription_id HAVING COUNT(*) > 1)) AS charged_twice;
SQL
ok=$(sql "SELECT (SELECT COUNT(*) FROM charges WHERE kind = 'renewal' AND status = 'success') = $count
            AND (SELECT COUNT(*) FROM simulator_transactions) = $count
            AND (SELECT COUNT(*) FROM renewal_attempts) = $count")
[ "$ok" = 1 ] && echo "OK: $count renewals, each charged once" || { echo "FAILED: see the counts above"; exit 1; }
