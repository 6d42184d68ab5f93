#!/usr/bin/env bash
# Lints the API reference: starts the built app on a free loopback port with a throwaway data folder,
# fetches /openapi/v1.json and runs Redocly's recommended rules on it (redocly.yaml). Any error or
# warning fails. Needs node/npm (npx fetches a pinned @redocly/cli).
set -euo pipefail
cd "$(dirname "$0")/.."
redocly_version=2.77.0
app=${1:-bin/Debug/net10.0/PaymentHub.dll}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
# Port 0: the system picks a free port, which Kestrel reports on its "Now listening on" line.
PAYMENTHUB_DATA="$work/data" PaymentHub__Jobs__Server=false Logging__LogLevel__Default=Warning \
  dotnet "$app" --urls "http://127.0.0.1:0" --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information >"$work/server.log" 2>&1 &
pid=$!
url=""
for _ in $(seq 1 150); do
  url=$(sed -n 's/.*Now listening on: \(http:[^ ]*\).*/\1/p' "$work/server.log" | head -n 1)
  [ -n "$url" ] && curl -sf "$url/health" >/dev/null && break
  sleep 0.2
done
curl -sf "$url/openapi/v1.json" -o "$work/v1.json" || { echo "the app did not serve its OpenAPI document"; cat "$work/server.log"; exit 1; }
out=$(npx -y "@redocly/cli@$redocly_version" lint --config redocly.yaml --format=summary "$work/v1.json" 2>&1) || true
echo "$out" | grep -E "^(error|warning) |valid|problems|warnings" || true
if echo "$out" | grep -qE "^(error|warning) " || ! echo "$out" | grep -q "Your API description is valid"; then
  echo "OpenAPI lint: problems found (see above)"; exit 1
fi
echo "OpenAPI lint: 0 errors, 0 warnings"
