#!/usr/bin/env bash
# oomkit soak as a CI gate, with a short --duration (24 s): exit 1 on the leaking
# example, 0 on the healthy one and on the bounded cache, and JUnit XML that
# validates against the strict JUnit schema (tests/schemas/junit.xsd, with
# xmllint): a <failure> naming the verdict for the leak, none otherwise.
set -euo pipefail
bin=${OOMKIT_BIN:?}; src=${OOMKIT_SOURCE_DIR:?}
[ "${OOMKIT_SANITIZED:-0}" = 1 ] && { echo "SKIP: diagnose_examples runs the same code under the sanitizers"; exit 77; }
command -v xmllint >/dev/null || { echo "SKIP: no xmllint (scripts/install-deps.sh test installs it)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
free_port() { node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"; }
for c in "leaky-cache 1" "healthy 0" "bounded-lru 0"; do
  read -r example want <<<"$c"
  port=$(free_port)
  rc=0
  timeout 300 "$bin" soak --duration 24s --rate 1000 --load "http://127.0.0.1:$port/" --unique-ids --junit "$tmp/$example.xml" \
    --out "$tmp/$example" -- node "$src/examples/$example/app.js" --port "$port" >"$tmp/$example.txt" 2>"$tmp/$example.err" || rc=$?
  # The app's own stderr too: once in CI the healthy app exited with status 1 at its start, and the
  # reason went with the temporary folder.
  [ $rc = "$want" ] || fail "soak $example: exit $rc, not $want: $(cat "$tmp/$example.txt")
app's stderr: $(tail -5 "$tmp/$example/stderr.log" 2>/dev/null)"
  xmllint --noout --schema "$src/tests/schemas/junit.xsd" "$tmp/$example.xml" 2>"$tmp/xmllint.txt" ||
    fail "soak $example: the JUnit file does not validate: $(cat "$tmp/xmllint.txt")"
  failures=$(xmllint --xpath 'count(//testcase/failure)' "$tmp/$example.xml")
  [ "$failures" = "$want" ] || fail "soak $example: $failures <failure> elements"
  [ "$want" = 1 ] && { xmllint --xpath 'string(//testcase/failure/@type)' "$tmp/$example.xml" | grep -q js-heap-leak || fail "soak $example: failure type"; }
  echo "ok: soak $example: exit $rc"
done
# The JUnit file is never written over.
rc=0; "$bin" soak --duration 10s --junit "$tmp/healthy.xml" -- node -e 0 >/dev/null 2>"$tmp/again.err" || rc=$?
[ $rc = 2 ] && grep -q "exists already" "$tmp/again.err" || fail "an existing --junit: exit $rc"
echo "ok: soak"
