#!/usr/bin/env bash
# build.sh [release|asan|fuzz] [TARGET...]: configures and builds into build/ or build-asan/ (fuzz: its fuzzers only)
# (every target, or those named: `build.sh release oomkit` builds the binary alone).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kind=${1:-release}
shift || true
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # One sanitized build holds the tests and the fuzzers (the library once, with coverage for libFuzzer):
  # a second sanitized build of the same code cost CI 4 minutes. clang: GCC 12 reports false
  # maybe-uninitialized inside libstdc++ under ASan, and libFuzzer is clang's.
  asan | fuzz) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DOOMKIT_SANITIZE=ON -DOOMKIT_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: build.sh [release|asan|fuzz]" >&2; exit 2 ;;
esac
# Unity builds: neighbouring files compile in batches, so the headers and
# templates they share (fmt, nlohmann/json, CLI11, GoogleTest) are compiled
# once a batch. Clean builds on this 2-core host: release 255 -> 119-144 s,
# ASan 324 -> 226 s. The heap engine's and common/'s own files stay on their
# own (CMakeLists.txt), so the hot paths' code is the same either way.
cmake -S "$root" -B "$root/$dir" -G Ninja -DCMAKE_UNITY_BUILD=ON "${flags[@]}" >/dev/null
if [ $# -gt 0 ]; then cmake --build "$root/$dir" --target "$@"
elif [ "$kind" = fuzz ]; then cmake --build "$root/$dir" --target snapshot_reader_fuzz gc_log_fuzz node_report_fuzz load_spec_fuzz
else cmake --build "$root/$dir"; fi
