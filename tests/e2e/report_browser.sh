#!/usr/bin/env bash
# report.html in a real browser: headless Chromium (Debian's) driven by
# playwright-core (from npm, into a temporary folder). The page loads with no
# console error and no request to the network, its charts are drawn (lines,
# load bars, the floor's points, GC pauses), and a heap string made of markup
# (<img src=x onerror=alert(1)>, a property name on the leak's path) shows as
# text: no <img> element, no dialog.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
chromium=$(command -v chromium || true)
[ -n "$chromium" ] || { echo "SKIP: no chromium (scripts/install-deps.sh test installs it)"; exit 77; }
[ "${OOMKIT_SANITIZED:-0}" = 1 ] && { echo "SKIP: the page is the same in the release build"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
rc=0
timeout 300 "$bin" diagnose --load "http://127.0.0.1:$port/" --rate 1000 -n 4000 --out "$tmp/run" \
  -- node "$src/tests/programs/xss-leak.js" --port "$port" >"$tmp/out.txt" 2>"$tmp/err.txt" || rc=$?
[ $rc = 1 ] || fail "diagnose: exit $rc: $(cat "$tmp/out.txt") $(tail -5 "$tmp/err.txt")"
grep -qF '<img src=x onerror=alert(1)>' "$tmp/run/report.json" || fail "the markup is not on the culprit's path: $(cat "$tmp/out.txt")"
grep -qF '<img src=x' "$tmp/run/report.html" && fail "the markup is in report.html unescaped"

(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent playwright-core@1.65.1 >/dev/null 2>&1) ||
  fail "npm install playwright-core"
cat >"$tmp/check.js" <<'JS'
const { chromium } = require('playwright-core');
(async () => {
  const [executablePath, file, shot] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e));
  page.on('dialog', async (d) => { problems.push('a dialog opened: ' + d.message()); await d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push('a request: ' + r.url()); });
  await page.goto('file://' + file);
  const facts = await page.evaluate(() => ({
    imgs: document.querySelectorAll('img').length,
    scripts: document.querySelectorAll('script').length,
    heapLines: document.querySelectorAll('#heap-chart polyline').length,
    heapWidth: document.querySelector('#heap-chart') ? document.querySelector('#heap-chart').getBoundingClientRect().width : 0,
    processLines: document.querySelectorAll('#process-chart polyline').length,
    loadBars: document.querySelectorAll('#heap-chart .load-bars rect').length,
    floorPoints: document.querySelectorAll('#heap-chart circle').length,
    gcBars: document.querySelectorAll('#gc-chart line').length,
    kind: (document.querySelector('#verdict .kind') || {}).textContent,
    text: document.body.innerText,
  }));
  await page.screenshot({ path: shot, fullPage: true });
  await browser.close();
  if (facts.imgs !== 0) problems.push(facts.imgs + ' <img> elements');
  if (facts.scripts !== 0) problems.push(facts.scripts + ' <script> elements');
  if (facts.heapLines < 2 || facts.heapWidth < 600) problems.push('heap chart: ' + facts.heapLines + ' lines, ' + facts.heapWidth + ' px');
  if (facts.processLines < 3) problems.push('process chart: ' + facts.processLines + ' lines');
  if (facts.loadBars < 5) problems.push(facts.loadBars + ' load bars');
  if (facts.floorPoints < 4) problems.push(facts.floorPoints + ' floor points');
  if (facts.gcBars < 5) problems.push(facts.gcBars + ' GC pause lines');
  if (facts.kind !== 'js-heap-leak') problems.push('verdict ' + facts.kind);
  if (!facts.text.includes('<img src=x onerror=alert(1)>')) problems.push('the markup is not shown as text');
  if (problems.length) { console.error(problems.join('\n')); process.exit(1); }
})().catch((e) => { console.error(e); process.exit(1); });
JS
(cd "$tmp" && node check.js "$chromium" "$tmp/run/report.html" "$tmp/shot.png") || fail "report.html in Chromium"
size=$(stat -c %s "$tmp/shot.png")
[ "$size" -gt 100000 ] || fail "the screenshot is $size bytes: nothing drawn?"
echo "ok: report.html in Chromium ($size-byte screenshot)"
