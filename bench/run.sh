#!/usr/bin/env bash
# Load benchmark: publishes a Release build, starts it on 127.0.0.1 with a fresh database
# (synchronous=FULL, as shipped), and measures with wrk at 64 connections for 10 s each:
#   1. POST /api/platform/intents                      (each request a new reference_id)
#   2. POST /api/platform/intents with Idempotency-Key (a new key per request)
#   3. GET  /api/platform/intents/{id}
# Usage: bash bench/run.sh [duration, default 10s] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-64}
port=${BENCH_PORT:-5077}
out=bench/out
base=http://127.0.0.1:$port

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

rm -rf "$out" && mkdir -p "$out"
echo "== publishing Release build"
dotnet publish PaymentHub.csproj -c Release -o "$out/app" --nologo -v quiet >/dev/null

echo "== starting PaymentHub on $base with a fresh database"
PAYMENTHUB_DATA="$out/data" \
PAYMENTHUB_BOOTSTRAP_CLIENT_ID=pk_test_bench \
PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=sk_test_bench_secret \
Logging__LogLevel__Default=Warning \
"$out/app/PaymentHub" --urls "$base" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.2; done
curl -sf "$base/health" >/dev/null || { echo "server did not start"; cat "$out/server.log"; exit 1; }

run() { # name, script, url
  echo
  echo "== $1 ($connections connections, $duration)"
  wrk -t2 -c"$connections" -d"$duration" --latency -s "$2" "$3" | tee "$out/$1.txt"
}

# Warm the JIT (tiered compilation settles after some seconds of load) and the connection pools,
# so the runs measure steady state.
wrk -t2 -c"$connections" -d8s -s bench/create.lua "$base/api/platform/intents" >/dev/null

run create bench/create.lua "$base/api/platform/intents"
IDEMPOTENCY=1 run create-idempotent bench/create.lua "$base/api/platform/intents"

id=$(curl -sf -X POST "$base/api/platform/intents" -H "X-Client-ID: pk_test_bench" -H "X-Client-Secret: sk_test_bench_secret" \
  -H "Content-Type: application/json" \
  -d '{"amount":80,"currency":"USD","intent_type":"one_time","email":"a@example.com","name":"A","reference_id":"bench-get",
       "success_url":"https://example.com/s","cancel_url":"https://example.com/c","order_items":[{"name":"P","quantity":1,"price":80}]}' \
  | sed -n 's/.*"intent_id":"\([^"]*\)".*/\1/p')
wrk -t2 -c"$connections" -d5s -s bench/get.lua "$base/api/platform/intents/$id" >/dev/null
run get bench/get.lua "$base/api/platform/intents/$id"

echo
echo "== summary"
for name in create create-idempotent get; do
  rps=$(sed -n 's/^Requests\/sec: *//p' "$out/$name.txt")
  p50=$(awk '$1=="50%"{print $2}' "$out/$name.txt")
  p99=$(awk '$1=="99%"{print $2}' "$out/$name.txt")
  errors=$(grep -E "Non-2xx|Socket errors" "$out/$name.txt" | tr '\n' ' ' || true)
  printf '%-18s %10s req/s   p50 %-8s p99 %-8s %s\n' "$name" "$rps" "$p50" "$p99" "$errors"
done
