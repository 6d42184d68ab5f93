#!/usr/bin/env bash
# Load benchmark against its own floor. Publishes Release builds of PaymentHub and of bench/Floor (a
# bare minimal-API endpoint returning a small fixed JSON object), then, ROUNDS times (default 3):
#   1. loads the floor with wrk and notes its requests/s,
#   2. starts PaymentHub on a fresh database (synchronous=FULL, as shipped), warms it up, and loads
#      POST /api/platform/intents, the same with an Idempotency-Key (the reference as the key, then a
#      random UUID per request: bench/create.lua), and GET /api/platform/intents/{id},
# each with the same wrk settings, right after the floor. Each PaymentHub figure is printed as a ratio
# of that round's floor, with p50/p99; the summary gives the median ratio over the rounds. Ratios made
# in one run are what count: this machine's absolute speed swings by a third between runs.
# On PostgreSQL: BENCH_POSTGRES=<connection string to a server whose user may create databases> runs
# PaymentHub on a fresh database there each round, and BENCH_INSTANCES=2 starts two instances on it,
# loaded by two wrk processes at once (half the connections each, their requests/s summed).
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
instances=${BENCH_INSTANCES:-1}
postgres=${BENCH_POSTGRES:-}
if [ "$instances" -gt 1 ] && [ -z "$postgres" ]; then echo "BENCH_INSTANCES > 1 needs BENCH_POSTGRES"; exit 1; fi
second=http://127.0.0.1:$((port + 2))

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

if [ -n "$postgres" ] && ! command -v psql >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql-client >/dev/null; fi
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

# app_run name script path → like wrk_run against PaymentHub; with two instances, two wrk at once
# (one per instance, half the connections each): RPS is their sum, P50/P99 the first one's.
app_run() {
  local name=$1 script=$2 path=$3
  if [ "$instances" -eq 1 ]; then wrk_run "$name" "$script" "$base$path"; return; fi
  local half=$((connections / 2))
  WRK_ID=b wrk -t1 -c"$half" -d"$duration" --latency -s "$script" "$second$path" >"$out/$name-b.txt" &
  local other=$!
  wrk -t1 -c"$half" -d"$duration" --latency -s "$script" "$base$path" >"$out/$name.txt"
  wait "$other"
  RPS=$(cat "$out/$name.txt" "$out/$name-b.txt" | sed -n 's/^Requests\/sec: *//p' | awk '{ s += $1 } END { printf "%.2f", s }')
  P50=$(awk '$1=="50%"{print $2}' "$out/$name.txt")
  P99=$(awk '$1=="99%"{print $2}' "$out/$name.txt")
  if grep -qE "Non-2xx|Socket errors" "$out/$name.txt" "$out/$name-b.txt"; then
    echo "   ($name: $(grep -hE "Non-2xx|Socket errors" "$out/$name.txt" "$out/$name-b.txt" | tr '\n' ' '))"; fi
}

# keyed_run label file keys → creates with an Idempotency-Key each (keys: 1 or uuid, see bench/create.lua)
# in the current round, printed and recorded as a ratio of the floor and a share of the round's plain creates
keyed_run() {
  IDEMPOTENCY=$3 app_run "$2-$round" bench/create.lua "/api/platform/intents"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor, %s of plain\n' "$1" "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")" "$(ratio "$RPS" "$plain_rps")"
  echo -e "$round\t$1\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps\t$(ratio "$RPS" "$plain_rps")" >>"$out/rounds.tsv"
}

# A fresh PostgreSQL database per round (dropped at the next), when BENCH_POSTGRES is set.
pg_database() {
  local db=paymenthub_bench_$1
  psql "$(pg_uri)" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  echo "$postgres;Database=$db"
}
# The server as a libpq URI for psql (Host, Port, Username, Password of BENCH_POSTGRES).
pg_uri() {
  local host port user password
  host=$(echo "$postgres" | tr ';' '\n' | sed -n 's/^Host=//ip'); port=$(echo "$postgres" | tr ';' '\n' | sed -n 's/^Port=//ip')
  user=$(echo "$postgres" | tr ';' '\n' | sed -n 's/^User\(name\| ID\)\?=//ip'); password=$(echo "$postgres" | tr ';' '\n' | sed -n 's/^Password=//ip')
  echo "postgresql://${user:-postgres}${password:+:$password}@${host:-127.0.0.1}:${port:-5432}/postgres"
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
  database=""
  [ -z "$postgres" ] || database=$(pg_database "$round")
  servers=()
  for i in $(seq 0 $((instances - 1))); do
    url=$([ "$i" = 0 ] && echo "$base" || echo "$second")
    PAYMENTHUB_DATA="$data" PAYMENTHUB_DATABASE="$database" PAYMENTHUB_BOOTSTRAP_CLIENT_ID=pk_test_bench PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=sk_test_bench_secret \
    Logging__LogLevel__Default=Warning "$out/app/PaymentHub" --urls "$url" >"$out/server-$round-$i.log" 2>&1 &
    servers+=($!)
    pids+=($!)
    wait_for "$url/health"
  done
  # Warm the JIT (tiered compilation settles after some seconds of load) and the pools.
  for url in "$base" $([ "$instances" -gt 1 ] && echo "$second"); do
    wrk -t2 -c"$connections" -d8s -s bench/create.lua "$url/api/platform/intents" >/dev/null
  done

  app_run "create-$round" bench/create.lua "/api/platform/intents"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor\n' create "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")"
  echo -e "$round\tcreate\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps" >>"$out/rounds.tsv"

  plain_rps=$RPS
  keyed_run create-idempotent create-idempotent 1
  # The same with a random UUID for each key, as most clients send them.
  keyed_run create-idem-uuid create-idempotent-uuid uuid

  id=$(curl -sf -X POST "$base/api/platform/intents" -H "X-Client-ID: pk_test_bench" -H "X-Client-Secret: sk_test_bench_secret" \
    -H "Content-Type: application/json" \
    -d '{"amount":80,"currency":"USD","intent_type":"one_time","email":"a@example.com","name":"A","reference_id":"bench-get",
         "success_url":"https://example.com/s","cancel_url":"https://example.com/c","order_items":[{"name":"P","quantity":1,"price":80}]}' \
    | sed -n 's/.*"intent_id":"\([^"]*\)".*/\1/p')
  wrk -t2 -c"$connections" -d5s -s bench/get.lua "$base/api/platform/intents/$id" >/dev/null
  app_run "get-$round" bench/get.lua "/api/platform/intents/$id"
  printf '   %-18s %10s req/s   p50 %-8s p99 %-8s  %s× floor\n' get "$RPS" "$P50" "$P99" "$(ratio "$RPS" "$floor_rps")"
  echo -e "$round\tget\t$(ratio "$RPS" "$floor_rps")\t$RPS\t$P50\t$P99\t$floor_rps" >>"$out/rounds.tsv"

  for server in "${servers[@]}"; do kill "$server"; wait "$server" 2>/dev/null || true; done
done

echo
echo "== summary: median over $rounds rounds (ratio to the floor measured in the same round)"
for name in create create-idempotent create-idem-uuid get; do
  awk -F'\t' -v n="$name" '$2==n' "$out/rounds.tsv" | sort -t$'\t' -k3,3n | awk -F'\t' -v n="$name" '
    { rows[NR] = $0 } END {
      split(rows[int((NR + 1) / 2)], m, "\t")
      printf "%-18s %s× floor   (%s req/s, floor %s)   p50 %s   p99 %s\n", n, m[3], m[4], m[7], m[5], m[6] }'
done
# Keyed creates as a share of the plain creates of the same round (the aim: within 10 %).
for name in create-idempotent create-idem-uuid; do
  awk -F'\t' -v n="$name" '$2==n { print $8 }' "$out/rounds.tsv" | sort -n | awk -v n="$name" '
    { v[NR] = $1; all = all (NR > 1 ? ", " : "") $1 } END { printf "%-18s %s of plain (median; rounds: %s)\n", n, v[int((NR + 1) / 2)], all }'
done
