#!/usr/bin/env bash
# Footprint of the published single file: its size, cold start to the first /health 200 (on a fresh
# data folder and on an existing one), resident memory when idle and after a load. Each start is
# measured RUNS times (default 5); the median is reported.
# The idle RSS is read on a fresh data folder and on an existing one, with what each is made of;
# then, on a server started for it, how much of the idle RSS the process touches in the WATCH
# seconds after its first 10 (default 30; 0 skips it): the accessed bits of its pages are cleared
# (/proc/PID/clear_refs) and the pages referenced since are counted. LATER=seconds reads that
# server's idle RSS once more that long after its first /health 200 (an idle server's recurring jobs
# keep running; default 0: not read).
# Usage: bash bench/footprint.sh   (RUNS=n starts; APP=path to skip the publish; WATCH=seconds; LATER=seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
watch=${WATCH:-30}
later=${LATER:-0}
port=${BENCH_PORT:-5079}
base=http://127.0.0.1:$port
out=bench/out/footprint
rm -rf "$out" && mkdir -p "$out"

command -v wrk >/dev/null 2>&1 || { if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi; }

echo "== publishing the single file (linux-x64, self-contained, ReadyToRun)"
# APP=path/to/PaymentHub measures an executable published before (publishing takes minutes here).
if [ -n "${APP:-}" ]; then app=$APP
else
  dotnet publish PaymentHub.csproj -c Release -r linux-x64 -o "$out/app" --nologo -v quiet >/dev/null
  app="$out/app/PaymentHub"
fi
size=$(stat -c %s "$app")
others=$(find "$(dirname "$app")" -type f ! -name PaymentHub ! -name '*.pdb' | wc -l)

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# start data-folder → sets MS to the milliseconds from exec to the first /health 200 and leaves the
# server running as $pid (not in a subshell, so both variables reach the caller)
start() {
  local data=$1 t0 t1
  t0=$(now_ms)
  PAYMENTHUB_DATA="$data" PAYMENTHUB_BOOTSTRAP_CLIENT_ID=pk_test_bench PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=sk_test_bench_secret \
    Logging__LogLevel__Default=Warning "$app" --urls "$base" >>"$out/server.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$base/health"; do sleep 0.005; done
  t1=$(now_ms)
  MS=$((t1 - t0))
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; }
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
# anonymous, file-backed (the executable and libraries) and shared (the runtime's double-mapped code) MB
rss_split() { awk '/^Rss(Anon|File|Shmem):/ { printf "%s%s %.0f", (n++ ? ", " : ""), tolower(substr($1, 4, length($1) - 4)), $2 / 1024 }' "/proc/$pid/status"; }

fresh=(); existing=()
for i in $(seq 1 "$runs"); do
  rm -rf "$out/data-$i"
  start "$out/data-$i"; fresh+=("$MS"); stop
  start "$out/data-$i"; existing+=("$MS"); stop
done

# Idle on an existing data folder (the first start's), as a server runs after its first start: a fresh
# folder's start also creates the key ring's first key and the first API keys, and so loads OpenSSL.
start "$out/data-1"
sleep 10
idle_existing=$(rss_mb); idle_existing_split=$(rss_split)
stop

start "$out/data-idle"
sleep 10
idle=$(rss_mb); idle_split=$(rss_split)
wrk -t2 -c64 -d10s -s bench/create.lua "$base/api/platform/intents" >/dev/null
id=$(curl -sf -X POST "$base/api/platform/intents" -H "X-Client-ID: pk_test_bench" -H "X-Client-Secret: sk_test_bench_secret" \
  -H "Content-Type: application/json" \
  -d '{"amount":80,"currency":"USD","intent_type":"one_time","email":"a@example.com","name":"A","reference_id":"fp-get",
       "success_url":"https://example.com/s","cancel_url":"https://example.com/c","order_items":[{"name":"P","quantity":1,"price":80}]}' \
  | sed -n 's/.*"intent_id":"\([^"]*\)".*/\1/p')
wrk -t2 -c64 -d10s -s bench/get.lua "$base/api/platform/intents/$id" >/dev/null
loaded=$(rss_mb)
sleep 5
settled=$(rss_mb)
stop

# Idle memory in use, and later on: a server of its own, so the figures above are read as always.
used=""; later_rss=""
if [ "$watch" -gt 0 ] || [ "$later" -gt 0 ]; then
  start "$out/data-watch"
  sleep 10
  waited=10
  if [ "$watch" -gt 0 ] && [ -r "/proc/$pid/smaps_rollup" ] && { echo 1 >"/proc/$pid/clear_refs"; } 2>/dev/null; then
    sleep "$watch"; waited=$((waited + watch))
    used=$(awk '/^Referenced:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/smaps_rollup"); used_rss=$(rss_mb)
  fi
  if [ "$later" -gt 0 ]; then
    [ "$later" -le "$waited" ] || sleep $((later - waited))
    later_rss="$(rss_mb) MB ($(rss_split))"
  fi
  stop
fi

echo
echo "== footprint (median of $runs starts)"
printf 'file                  %s MB (%s bytes), %s other files beside it\n' "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" "$size" "$others"
printf 'start, fresh data     %s ms   (runs: %s)\n' "$(printf '%s\n' "${fresh[@]}" | median)" "${fresh[*]}"
printf 'start, existing data  %s ms   (runs: %s)\n' "$(printf '%s\n' "${existing[@]}" | median)" "${existing[*]}"
printf 'RSS idle (10 s)       %s MB (%s)   fresh data\n' "$idle" "$idle_split"
printf 'RSS idle (10 s)       %s MB (%s)   existing data\n' "$idle_existing" "$idle_existing_split"
printf 'RSS after the bench   %s MB (5 s later: %s MB)\n' "$loaded" "$settled"
[ -z "$used" ] || printf 'RSS touched when idle %s MB of %s MB resident, in the %s s after the first 10   (pages referenced; a second server)\n' "$used" "$used_rss" "$watch"
[ -z "$later_rss" ] || printf 'RSS idle (%s s)%*s%s   (the second server)\n' "$later" $((9 - ${#later})) '' "$later_rss"
