#!/usr/bin/env bash
# The main job: builds oomkit, runs the bundled leaking example and takes three
# heap snapshots of it as it serves requests (after 7,000, 14,000 and 21,000),
# then shows what retains the memory, what leaks and how to fix it.
# Everything it writes goes to a new folder under out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release >/dev/null
out="$root/out/demo-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
b="$out/baseline.heapsnapshot" t="$out/target.heapsnapshot" f="$out/final.heapsnapshot"
echo "== running examples/leaky-cache/app.js (each request cached forever), a heap snapshot every 7,000 requests"
node "$root/examples/leaky-cache/app.js" --requests 7000 --snapshot "$b,$t,$f"
echo "== oomkit heap summary final.heapsnapshot --top 10"
"$root/build/oomkit" heap summary "$f" --top 10
echo
echo "== oomkit heap leaks baseline target final"
"$root/build/oomkit" heap leaks "$b" "$t" "$f" --top 3
echo
echo "== oomkit heap suspects final.heapsnapshot --baseline baseline.heapsnapshot"
"$root/build/oomkit" heap suspects "$f" --baseline "$b" --top 3
echo "(snapshots kept in $out)"
