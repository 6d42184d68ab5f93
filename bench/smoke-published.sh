#!/usr/bin/env bash
# Smoke test of a published PaymentHub executable (the single file of `dotnet publish -c Release -r
# linux-x64`), for builds whose publish differs from what the test suite runs: trimming and
# ReadyToRun can drop or break code that only reflection reaches (Carter modules, validators found
# by scanning, Hangfire's job types, Razor components, the OpenAPI document), and only running the
# published file shows it.
#
# It copies the executable into an empty folder, starts it there on a fresh data folder and checks
# the API, checkout, admin panel, job dashboard, API reference, outgoing HTTP (a webhook ping),
# Hangfire's recurring jobs (all six, run every few seconds here) and the command line (help,
# migrate, reset-password, backup, restore), then restarts it on the existing data. With
# SMOKE_POSTGRES set to the connection string of an empty PostgreSQL database, it then copies the
# installation there (migrate-to-postgres) and checks the server on it too.
# Prints one line per check; exits 1 if any failed.
#
# Usage: bash bench/smoke-published.sh path/to/PaymentHub [port]   (port default 5391)
#        SMOKE_POSTGRES="Host=…;Database=…;Username=…" bash bench/smoke-published.sh path/to/PaymentHub
set -uo pipefail

[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: $0 path/to/PaymentHub [port]" >&2; exit 2; }
src=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
port=${2:-${SMOKE_PORT:-5391}}
base=http://127.0.0.1:$port
work=$(mktemp -d /tmp/paymenthub-smoke.XXXXXX)
mkdir -p "$work/bin"
cp "$src" "$work/bin/PaymentHub"
cd "$work/bin" || exit 2
data=$work/data
log=$work/server-1.log
pid=
failures=0

cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if [ "$failures" -eq 0 ]; then rm -rf "$work"; else echo "(files kept in $work)"; fi
}
trap cleanup EXIT

ok() { printf 'ok    %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '      %s\n' "${2:0:400}"; failures=$((failures + 1)); }
# check "what" command...: ok when the command succeeds
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what" "${detail:-}"; fi; detail=; }
detail=

# A JSON document is valid: jq or python3 when present, else a rough shape check.
valid_json() {
  if command -v jq >/dev/null 2>&1; then jq -e . >/dev/null 2>&1
  elif command -v python3 >/dev/null 2>&1; then python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
  else local s; s=$(cat); [[ $s == \{* && $s == *\} ]]; fi
}
# field NAME < json: the first string value of "NAME"
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -1; }
has() { [[ $1 == *"$2"* ]]; }

# http METHOD PATH [curl args...]: sets CODE, BODY, TYPE, LOCATION
http() {
  local method=$1 path=$2; shift 2
  local out
  out=$(curl -s -X "$method" -o "$work/body" -w '%{http_code} %{content_type}|%{redirect_url}' "$@" "$base$path")
  CODE=${out%% *}; TYPE=${out#* }; TYPE=${TYPE%%|*}; LOCATION=${out#*|}
  BODY=$(cat "$work/body" 2>/dev/null)
}
api() { http "$1" "$2" -H 'X-Client-ID: pk_test_bench' -H 'X-Client-Secret: sk_test_bench_secret' -H 'Content-Type: application/json' "${@:3}"; }

# Every recurring job runs every few seconds, so ~20 s of running shows each one executing.
export PaymentHub__ExpireIntervalSeconds=2 PaymentHub__SettleIntervalSeconds=2 PaymentHub__RenewIntervalSeconds=2 \
  PaymentHub__WebhookPruneIntervalSeconds=3 PaymentHub__IdempotencyPurgeIntervalSeconds=3
export PAYMENTHUB_BOOTSTRAP_CLIENT_ID=pk_test_bench PAYMENTHUB_BOOTSTRAP_CLIENT_SECRET=sk_test_bench_secret
unset PAYMENTHUB_ADMIN_PASSWORD PAYMENTHUB_DATABASE

start_server() {
  PAYMENTHUB_DATA=$data ./PaymentHub --urls "$base" >>"$log" 2>&1 &
  pid=$!
  local i
  for i in $(seq 1 600); do
    curl -sf -o /dev/null "$base/health" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
stop_server() { kill "$pid" 2>/dev/null; wait "$pid"; local rc=$?; pid=; return $rc; }

# sign_in USER PASSWORD: a fresh cookie jar, the sign-in form's anti-forgery token, the form post
sign_in() {
  rm -f "$work/jar"
  http GET /admin/login -c "$work/jar" -b "$work/jar"
  local af; af=$(sed -n 's/.*name="__af" value="\([^"]*\)".*/\1/p' "$work/body" | head -1)
  http POST /admin/login -c "$work/jar" -b "$work/jar" --data-urlencode "_handler=sign-in" --data-urlencode "__af=$af" \
    --data-urlencode "Form.Username=$1" --data-urlencode "Form.Password=$2"
}

echo "== $src ($(stat -c %s "$src") bytes; $(find "$(dirname "$src")" -maxdepth 1 -type f ! -name "$(basename "$src")" | wc -l) other files beside it)"

# --- command line, before any server
out=$(./PaymentHub --help 2>&1); rc=$?
detail=$out check "--help lists the commands" eval '[ $rc -eq 0 ] && has "$out" migrate && has "$out" backup && has "$out" restore'
out=$(PAYMENTHUB_DATA=$work/cli-data ./PaymentHub migrate 2>&1); rc=$?
detail=$out check "migrate on a new data folder" eval '[ $rc -eq 0 ] && [ -s "$work/cli-data/paymenthub.db" ]'
out=$(PAYMENTHUB_DATA=$work/cli-data ./PaymentHub backup "$work/cli-backup.db" 2>&1); rc=$?
detail=$out check "backup of a stopped installation" eval '[ $rc -eq 0 ] && [ -s "$work/cli-backup.db" ]'

# --- first start, fresh data folder
t0=$(date +%s)
if start_server; then ok "first start on a fresh data folder: /health answers"; else fail "first start" "$(tail -20 "$log")"; exit 1; fi
http GET /health
detail=$BODY check "/health 200, database ok" eval '[ "$CODE" = 200 ] && has "$BODY" "\"status\":\"ok\""'
password=$(sed -n 's/.*login: admin \/ \([^ ]*\).*/\1/p' "$log" | head -1)
detail=$(head -30 "$log") check "first start printed the admin password" eval '[ -n "$password" ]'

http GET /
check "/ 200 HTML" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html'
http GET /docs/
detail="$CODE $TYPE" check "/docs/ 200 HTML (Scalar)" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html && has "$BODY" "<script"'
http GET /openapi/v1.json
detail="$CODE ${BODY:0:200}" check "/openapi/v1.json 200, valid JSON, lists the intents API" \
  eval '[ "$CODE" = 200 ] && valid_json <<<"$BODY" && has "$BODY" "\"/api/platform/intents\"" && has "$BODY" "\"openapi\""'

# --- admin panel and job dashboard, not signed in
http GET /admin -H 'Accept: text/html'
detail="$CODE $LOCATION" check "/admin redirects to the sign-in page" eval '[ "$CODE" = 302 ] && has "$LOCATION" /admin/login'
http GET /admin/jobs -H 'Accept: text/html'
detail="$CODE $LOCATION" check "/admin/jobs redirects to the sign-in page" eval '[ "$CODE" = 302 ] && has "$LOCATION" /admin/login'
http GET /admin/login
detail="$CODE $TYPE" check "sign-in page 200 HTML with its form" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html && has "$BODY" "Form.Password" && has "$BODY" __af'
sign_in admin "wrong-password-$RANDOM"
detail="$CODE ${BODY:0:200}" check "wrong password: the sign-in page again, with its error" eval '[ "$CODE" = 200 ] && has "$BODY" sign-in-error'

# --- API
create() {
  api POST /api/platform/intents -d "{\"amount\":$1,\"currency\":\"USD\",\"intent_type\":\"one_time\",\"email\":\"$2\",\"name\":\"A\",
    \"reference_id\":\"$3\",\"success_url\":\"https://example.com/s\",\"cancel_url\":\"https://example.com/c\",
    \"order_items\":[{\"name\":\"P\",\"quantity\":1,\"price\":80}]}" "${@:4}"
}
create 80 a@example.com r1
intent=$(field intent_id <<<"$BODY"); payment_url=$(field payment_url <<<"$BODY")
detail="$CODE ${BODY:0:200}" check "POST /api/platform/intents 200 with data.intent_id" eval '[ "$CODE" = 200 ] && [ -n "$intent" ] && [ -n "$payment_url" ]'
api GET "/api/platform/intents/$intent"
detail="$CODE ${BODY:0:200}" check "GET /api/platform/intents/{id} 200" eval '[ "$CODE" = 200 ] && has "$BODY" "\"intent_id\":\"$intent\"" && has "$BODY" requires_payment'
create 80 a@example.com r-idem -H 'Idempotency-Key: smoke-key-1'; first_code=$CODE; first=$BODY
create 80 a@example.com r-idem -H 'Idempotency-Key: smoke-key-1' -D "$work/headers"
detail="$first_code $CODE ${BODY:0:200}" check "POST /api/platform/intents twice with one Idempotency-Key: the first answer replayed" \
  eval '[ "$first_code" = 200 ] && [ "$CODE" = 200 ] && [ "$BODY" = "$first" ] && grep -qi "^Idempotent-Replayed: true" "$work/headers"'
create '"x"' a@example.com r2
detail="$CODE $BODY" check "amount \"x\": 422 in the error envelope" \
  eval '[ "$CODE" = 422 ] && has "$BODY" "\"message\":\"The given data was invalid.\"" && has "$BODY" "\"errors\":{\"amount\":["'
create 80 not-an-email r3
detail="$CODE $BODY" check "invalid email (a FluentValidation rule): 422 in the error envelope" \
  eval '[ "$CODE" = 422 ] && has "$BODY" "\"message\":\"The given data was invalid.\"" && has "$BODY" "\"email\":["'
api GET /api/platform/intents/pi_missing
detail="$CODE $BODY" check "unknown intent: 404" eval '[ "$CODE" = 404 ]'

# --- checkout: the page, then a payment with a test card
pay_path=/${payment_url#*://*/}
http GET "$pay_path" -c "$work/pay-jar" -b "$work/pay-jar"
detail="$CODE $TYPE" check "checkout page 200 HTML" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html && has "$BODY" pay-form'
af=$(sed -n 's/.*name="__af" value="\([^"]*\)".*/\1/p' "$work/body" | head -1)
http POST "$pay_path" -c "$work/pay-jar" -b "$work/pay-jar" --data-urlencode name_on_card=A \
  --data-urlencode "card_number=4242 4242 4242 4242" --data-urlencode "card_expiry=12 / 40" --data-urlencode card_cvc=123
detail="$CODE $TYPE ${BODY:0:200}" check "checkout form without its anti-forgery token: 400 page asking to reload" \
  eval '[ "$CODE" = 400 ] && has "$TYPE" text/html && has "$BODY" reload'
http POST "$pay_path" -c "$work/pay-jar" -b "$work/pay-jar" --data-urlencode "__af=$af" --data-urlencode name_on_card=A \
  --data-urlencode "card_number=4242 4242 4242 4242" --data-urlencode "card_expiry=12 / 40" --data-urlencode card_cvc=123
detail="$CODE $LOCATION ${BODY:0:200}" check "checkout payment with a test card redirects to success_url" eval '[ "$CODE" = 302 ] && has "$LOCATION" https://example.com/s'
api GET "/api/platform/intents/$intent"
detail="${BODY:0:300}" check "the intent is paid" eval 'has "$BODY" "\"status\":\"succeeded\""'

# --- outgoing HTTP: a webhook ping to this server (POST /health answers 405)
api POST /api/platform/webhook-endpoints -d "{\"url\":\"$base/health\",\"description\":\"smoke\"}"
endpoint=$(field id <<<"$BODY")
detail="$CODE ${BODY:0:200}" check "webhook endpoint created" eval '[ "$CODE" = 200 ] || [ "$CODE" = 201 ] && [ -n "$endpoint" ]'
api POST "/api/platform/webhook-endpoints/$endpoint/test"
detail="$CODE $BODY" check "webhook ping sent over HTTP (the receiver's 405 reported)" eval '[ "$CODE" = 200 ] && has "$BODY" "\"status_code\":405"'

# --- signed in: panel and job dashboard
sign_in admin "$password"
detail="$CODE $LOCATION" check "sign-in with the printed password redirects to /admin" eval '[ "$CODE" = 302 ] && [[ $LOCATION == */admin ]]'
http GET /admin -b "$work/jar"
detail="$CODE $TYPE" check "/admin 200 HTML, signed in" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html && has "$BODY" "Sign out"'
http GET "/admin/intents/$intent" -b "$work/jar"
detail="$CODE $TYPE" check "/admin/intents/{id} 200 HTML" eval '[ "$CODE" = 200 ] && has "$BODY" "$intent"'
http GET /admin/jobs -b "$work/jar"
detail="$CODE $TYPE" check "/admin/jobs 200 HTML (Hangfire dashboard)" eval '[ "$CODE" = 200 ] && has "$TYPE" text/html && has "$BODY" "PaymentHub jobs"'

# --- Hangfire: after ~20 s every recurring job has run, none failed
sleep $((20 - ($(date +%s) - t0) > 0 ? 20 - ($(date +%s) - t0) : 0))
http GET '/admin/jobs/jobs/succeeded?from=0&count=100' -b "$work/jar"
for job in ExpireIntents SettlePayments RenewSubscriptions DeliverWebhooks PruneWebhookAttempts IdempotencyPurge; do
  check "recurring job $job ran and succeeded" has "$BODY" "$job.RunAsync"
done
http GET /admin/jobs/jobs/failed -b "$work/jar"
check "no failed jobs" has "$BODY" "You have no failed jobs"
http GET /admin/jobs/recurring -b "$work/jar"
cp "$work/body" "$work/recurring.html"
check "recurring jobs page lists the six jobs, none in error" \
  eval '[ "$(grep -c "js-jobs-list-row" "$work/recurring.html")" -ge 6 ] && ! grep -q -E "label-state-failed|label-danger|text-danger" "$work/recurring.html"'
errors=$(grep -E -n 'Exception|fail:|crit:' "$log")
detail=$errors check "server output without exceptions or errors" eval '[ -z "$errors" ]'
out=$(PAYMENTHUB_DATA=$data ./PaymentHub backup "$work/live-backup.db" 2>&1); rc=$?
detail=$out check "backup while serving" eval '[ $rc -eq 0 ] && [ -s "$work/live-backup.db" ]'
stop_server; rc=$?
detail="exit code $rc" check "server stops cleanly on SIGTERM" eval '[ $rc -eq 0 ]'

# --- command line on the existing data, then a restart
out=$(PAYMENTHUB_DATA=$data ./PaymentHub admin reset-password --password 'smoke-Password-42' 2>&1); rc=$?
detail=$out check "admin reset-password" eval '[ $rc -eq 0 ]'
out=$(PAYMENTHUB_DATA=$work/restored ./PaymentHub restore "$work/live-backup.db" 2>&1); rc=$?
detail=$out check "restore a backup into another data folder" eval '[ $rc -eq 0 ] && [ -s "$work/restored/paymenthub.db" ]'
log=$work/server-2.log
if start_server; then ok "second start on the existing data folder"; else fail "second start" "$(tail -20 "$log")"; exit 1; fi
sign_in admin smoke-Password-42
detail="$CODE $LOCATION" check "sign-in with the reset password" eval '[ "$CODE" = 302 ] && [[ $LOCATION == */admin ]]'
api GET "/api/platform/intents/$intent"
check "the intent is still there" eval '[ "$CODE" = 200 ] && has "$BODY" "\"status\":\"succeeded\""'
sleep 3
errors=$(grep -E -n 'Exception|fail:|crit:' "$log")
detail=$errors check "second run's output without exceptions or errors" eval '[ -z "$errors" ]'
stop_server

# --- PostgreSQL (SMOKE_POSTGRES: the connection string of an empty database): the SQLite data copied across, then served from there
if [ -n "${SMOKE_POSTGRES:-}" ]; then
  out=$(PAYMENTHUB_DATA=$data ./PaymentHub migrate-to-postgres "$SMOKE_POSTGRES" 2>&1); rc=$?
  detail=$out check "migrate-to-postgres copies the installation" eval '[ $rc -eq 0 ]'
  log=$work/server-3.log
  export PAYMENTHUB_DATABASE=$SMOKE_POSTGRES
  if start_server; then ok "start on PostgreSQL"; else fail "start on PostgreSQL" "$(tail -20 "$log")"; exit 1; fi
  t0=$(date +%s)
  http GET /health
  detail=$BODY check "/health says postgresql" eval '[ "$CODE" = 200 ] && has "$BODY" "\"database_kind\":\"postgresql\""'
  api GET "/api/platform/intents/$intent"
  check "the paid intent was copied" eval '[ "$CODE" = 200 ] && has "$BODY" "\"status\":\"succeeded\""'
  create 80 b@example.com r-pg
  detail="$CODE ${BODY:0:200}" check "POST /api/platform/intents on PostgreSQL" eval '[ "$CODE" = 200 ] && has "$BODY" intent_id'
  api GET "/api/platform/intents?per_page=5"
  detail="$CODE ${BODY:0:200}" check "GET /api/platform/intents (a list) on PostgreSQL" eval '[ "$CODE" = 200 ] && has "$BODY" r-pg'
  sign_in admin smoke-Password-42
  detail="$CODE $LOCATION" check "sign-in on PostgreSQL" eval '[ "$CODE" = 302 ] && [[ $LOCATION == */admin ]]'
  out=$(./PaymentHub backup "$work/pg-backup.db" 2>&1); rc=$?
  detail=$out check "backup refuses on PostgreSQL, saying why" eval '[ $rc -eq 1 ] && [ -n "$out" ]'
  sleep $((15 - ($(date +%s) - t0) > 0 ? 15 - ($(date +%s) - t0) : 0))
  http GET '/admin/jobs/jobs/succeeded?from=0&count=100' -b "$work/jar"
  check "recurring jobs run on Hangfire's PostgreSQL storage" eval 'has "$BODY" ExpireIntents.RunAsync && has "$BODY" SettlePayments.RunAsync'
  errors=$(grep -E -n 'Exception|fail:|crit:' "$log")
  detail=$errors check "PostgreSQL run's output without exceptions or errors" eval '[ -z "$errors" ]'
  stop_server
  unset PAYMENTHUB_DATABASE
fi

echo
if [ "$failures" -eq 0 ]; then echo "all checks passed"; else echo "$failures check(s) failed"; exit 1; fi
