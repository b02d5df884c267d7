#!/usr/bin/env bash
# The main job: builds oomkit, runs the bundled leaking example until it holds
# 20,000 cached requests, takes a heap snapshot of it, and shows what retains
# the memory. Everything it writes goes to a new folder under out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release >/dev/null
out="$root/out/demo-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
snap="$out/leaky-cache.heapsnapshot"
echo "== running examples/leaky-cache/app.js (20,000 requests, each cached forever) and taking a heap snapshot"
node "$root/examples/leaky-cache/app.js" --requests 20000 --snapshot "$snap"
echo "== oomkit heap summary $snap --top 12"
"$root/build/oomkit" heap summary "$snap" --top 12
echo
echo "== oomkit heap dominators $snap --top 3"
"$root/build/oomkit" heap dominators "$snap" --top 3 --depth 2
echo "(snapshot kept in $out)"
