#!/usr/bin/env bash
# Load benchmark against its own floor. Publishes Release builds of PaymentHub and of bench/Floor (a
# bare minimal-API endpoint returning a small fixed JSON object), then, ROUNDS times (default 3):
#   1. loads the floor with wrk and notes its requests/s,
#   2. starts PaymentHub on a fresh database (synchronous=FULL, as shipped), warms it up, and loads
#      POST /api/platform/intents, the same with an Idempotency-Key, and GET /api/platform/intents/{id},
# each with the same wrk settings, right after the floor. Each PaymentHub figure is printed as a ratio
# of that round's floor, with p50/p99; the summary gives the median ratio over the rounds. Ratios made
# in one run are what count: this machine's absolute speed swings by a third between runs.
# Usage: bash bench/run.sh [duration, default 10s] [connections, default 64]   (ROUNDS=n to change rounds,
#        APP_DIR=folder to measure a build published before instead of publishing this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-64}
rounds=${ROUNDS:-3}
port=${BENCH_PORT:-5077}
floor_port=$((port + 1))
out=bench/out
base=http://127.0.0.1:$port
floor=http://127.0.0.1:$floor_port

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

rm -rf "$out" && mkdir -p "$out"
echo "== publishing Release builds"
# APP_DIR=folder measures a PaymentHub published before (an older commit, for a before/after table).
if [ -n "${APP_DIR:-}" ]; then mkdir -p "$out/app" && cp -r "$APP_DIR"/. "$out/app/"
else dotnet publish PaymentHub.csproj -c Release -o "$out/app" --nologo -v quiet >/dev/null; fi
dotnet publish bench/Floor/Floor.csproj -c Release -o "$out/floor" --nologo -v quiet >/dev/null

pids=()
trap 'for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done' EXIT

wait_for() { for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "$1 did not answer"; exit 1; }

# wrk_run name script url → writes $out/name.txt; sets RPS P50 P99
wrk_run() {
  local name=$1 script=$2 url=$3
  if [ -n "$script" ]; then wrk -t2 -c"$connections" -d"$duration" --latency -s "$script" "$url" >"$out/$name.txt"
  else wrk -t2 -c"$connections" -d"$duration" --latency "$url" >"$out/$name.txt"; fi
  RPS=$(sed -n 's/^Requests\/sec: *//p' "$out/$name.txt")
  P50=$(awk '$1=="50%"{print $2}' "$out/$name.txt")
  P99=$(awk '$1=="99%"{print $2}' "$out/$name.txt")
  if grep -qE "Non-2xx|Socket errors" "$out/$name.txt"; then echo "   ($name: $(grep -E "Non-2xx|Socket errors" "$out/$name.txt" | tr '\n' ' '))"; fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== floor: bench/Floor on $floor"
Logging__LogLevel__Default=Warning "$out/floor/Floor" --urls "$floor" >"$out/floor.log" 2>&1 &
pids+=($!)
wait_for "$floor/"
wrk -t2 -c"$connections" -d5s "$floor/" >/dev/null

: >"$out/rounds.tsv"
for round in $(seq 1 "$rounds"); do
  echo
  echo "== round $round"
  wrk_run "floor-$round" "" "$floor/"; floor_rps=$RPS
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s\n' floor "$floor_rps" "$P50" "$P99"

  data="$out/data-$round"
  PAYMENTHUB_DATA="$data" PAYMENTHUB_BOOTSTRAP_CLIENT_ID=pk_test_bench PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=sk_test_bench_secret \
  Logging__LogLevel__Default=Warning "$out/app/PaymentHub" --urls "$base" >"$out/server-$round.log" 2>&1 &
  server=$!
  pids+=($server)
  wait_for "$base/health"
  # Warm the JIT (tiered compilation settles after some seconds of load) and the pools.
  wrk -t2 -c"$connections" -d8s -s bench/create.lua "$base/api/platform/intents" >/dev/null

  wrk_run "create-$round" bench/create.lua "$base/api/platform/intents"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor\n' create "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")"
  echo -e "$round\tcreate\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps" >>"$out/rounds.tsv"

  IDEMPOTENCY=1 wrk_run "create-idempotent-$round" bench/create.lua "$base/api/platform/intents"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor\n' create-idempotent "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")"
  echo -e "$round\tcreate-idempotent\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps" >>"$out/rounds.tsv"

  id=$(curl -sf -X POST "$base/api/platform/intents" -H "X-Client-ID: pk_test_bench" -H "X-Client-Secret: sk_test_bench_secret" \
    -H "Content-Type: application/json" \
    -d '{"amount":80,"currency":"USD","intent_type":"one_time","email":"a@example.com","name":"A","reference_id":"bench-get",
         "success_url":"https://example.com/s","cancel_url":"https://example.com/c","order_items":[{"name":"P","quantity":1,"price":80}]}' \
    | sed -n 's/.*"intent_id":"\([^"]*\)".*/\1/p')
  wrk -t2 -c"$connections" -d5s -s bench/get.lua "$base/api/platform/intents/$id" >/dev/null
  wrk_run "get-$round" bench/get.lua "$base/api/platform/intents/$id"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor\n' get "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")"
  echo -e "$round\tget\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps" >>"$out/rounds.tsv"

  kill "$server"; wait "$server" 2>/dev/null || true
done

echo
echo "== summary: median over $rounds rounds (ratio to the floor measured in the same round)"
for name in create create-idempotent get; do
  awk -F'\t' -v n="$name" '$2==n' "$out/rounds.tsv" | sort -t$'\t' -k3,3n | awk -F'\t' -v n="$name" '
    { rows[NR] = $0 } END {
      split(rows[int((NR + 1) / 2)], m, "\t")
      printf "%-18s %s× floor   (%s req/s, floor %s)   p50 %s   p99 %s\n", n, m[3], m[4], m[7], m[5], m[6] }'
done
