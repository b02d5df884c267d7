#!/usr/bin/env bash
# Installs what oomkit needs to build and test, from Debian's packages (sudo
# when not root). Safe to run again: apt skips what is there.
set -euo pipefail
# time: peak RSS in tests and benches; golang-go: `go tool pprof` reads the profiles oomkit writes, in a test;
# prometheus: its promtool checks the metrics oomkit run serves, in a test.
packages=(cmake ninja-build g++ clang libclang-rt-14-dev pkg-config zlib1g-dev libfmt-dev nlohmann-json3-dev
  libcli11-dev libgtest-dev googletest ca-certificates time golang-go libhttp-parser-dev prometheus procps)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
