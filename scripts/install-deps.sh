#!/usr/bin/env bash
# install-deps.sh [test]: installs what oomkit needs to build and run (and,
# with `test`, to test), from Debian's packages (sudo when not root). Safe to
# run again: apt skips what is there.
set -euo pipefail
packages=(cmake ninja-build g++ pkg-config zlib1g-dev libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev googletest
  ca-certificates libhttp-parser-dev procps)
# For the tests only: clang for the ASan+UBSan build; time: peak RSS; golang-go: `go tool pprof` reads the
# profiles oomkit writes; prometheus: promtool checks run's metrics; chromium: the HTML report in a real browser;
# libxml2-utils: xmllint checks the JUnit XML against its schema.
[ "${1:-}" = test ] && packages+=(clang libclang-rt-14-dev time golang-go prometheus chromium libxml2-utils)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
