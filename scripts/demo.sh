#!/usr/bin/env bash
# The main job: builds oomkit and runs `oomkit diagnose` on the bundled leaking
# example (examples/leaky-cache: a module-level Map that caches every request
# forever): the app starts under oomkit with the diagnostic flags, takes two
# identical load phases with a heap snapshot before, between and after them,
# and oomkit prints the verdict, the culprit with its retaining path and
# allocation site, the growth per 1,000 requests and the fix. The evidence and
# report.html go to a new folder under out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
echo "== building oomkit"
"$root/scripts/build.sh" release oomkit >/dev/null
mkdir -p "$root/out"
out="$root/out/diagnose-$(date +%Y%m%d-%H%M%S)"
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
echo "== oomkit diagnose --load http://127.0.0.1:$port/ --unique-ids --rate 1000 -- node examples/leaky-cache/app.js"
rc=0
"$root/build/oomkit" diagnose --load "http://127.0.0.1:$port/" --unique-ids --rate 1000 --out "$out" \
  -- node "$root/examples/leaky-cache/app.js" --port "$port" || rc=$?
# 1 is the verdict "leak", which is what this example is for.
[ "$rc" -le 1 ] || exit "$rc"
echo "(open $out/report.html in a browser; the snapshots are beside it)"
