#!/usr/bin/env bash
# Webhook delivery benchmark: publishes a Release build of PaymentHub and runs bench/WebhookBench
# against it (a receiver in the bench process that answers 200 at once). Measures commit → receiver
# latency, deliveries per second draining a backlog, and what a kill -9 in the middle of a drain
# loses or repeats. See bench/README.md, "Webhooks".
# Usage: bash bench/webhooks.sh [backlog, default 20000] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
backlog=${1:-20000}
runs=${2:-3}
out=bench/out/webhooks

rm -rf "$out" && mkdir -p "$out"
echo "== publishing Release builds"
dotnet publish PaymentHub.csproj -c Release -o "$out/app" --nologo -v quiet >/dev/null
dotnet publish bench/WebhookBench/WebhookBench.csproj -c Release -o "$out/bench" --nologo -v quiet >/dev/null

"$out/bench/WebhookBench" "$out/app/PaymentHub" "$out/data" "$backlog" "$runs" | tee "$out/results.txt"
