#!/usr/bin/env bash
# Records profile/PaymentHub.mibc: the methods PaymentHub runs, which the published single file
# precompiles (ReadyToRun with --partial; PaymentHub.csproj). Run it again after changes that add or
# rename much of what start-up and the first requests run, and after upgrading the SDK or a package
# (the profile names framework and library methods too). StartupProfileTests fails when it no
# longer names PaymentHub's own methods; new code and upgrades it cannot see: a method the profile
# misses is compiled by the JIT when first called, which costs start-up time and memory.
#
# It publishes the single file, runs bench/smoke-published.sh on it (start on a fresh and on an
# existing data folder, the API, checkout, admin panel, job dashboard, API reference, webhooks, the
# recurring jobs and the command line) with precompiled code switched off and the runtime's perf
# maps on, so that every method those processes run is compiled by the JIT and listed; then
# profile/ProfileWriter turns the lists into the profile, naming each method in the publish's
# trimmed assemblies.
#
# Usage: bash profile/record.sh
#        SMOKE_POSTGRES="Host=…;Database=…;Username=…" bash profile/record.sh   (the PostgreSQL mode too)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/paymenthub-profile.XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -n "${SMOKE_POSTGRES:-}" ] || echo "(SMOKE_POSTGRES not set: the profile will not cover the PostgreSQL mode)"

echo "== publishing the single file"
dotnet publish PaymentHub.csproj -c Release -r linux-x64 -o "$work/app" --nologo -v quiet >"$work/publish.txt" 2>&1 \
  || { cat "$work/publish.txt"; exit 1; }

echo "== running the smoke test with precompiled code off and perf maps on"
mkdir -p "$work/maps"
DOTNET_ReadyToRun=0 DOTNET_PerfMapEnabled=3 DOTNET_PerfMapJitDumpPath="$work/maps" \
  bash bench/smoke-published.sh "$work/app/PaymentHub" "${SMOKE_PORT:-5393}" >"$work/smoke.txt" \
  || { grep -v '^ok ' "$work/smoke.txt"; exit 1; }
tail -1 "$work/smoke.txt"

echo "== writing profile/PaymentHub.mibc"
dotnet run --project profile/ProfileWriter -c Release -- \
  obj/Release/net10.0/linux-x64/linked profile/PaymentHub.mibc "$work"/maps/perf-*.map
