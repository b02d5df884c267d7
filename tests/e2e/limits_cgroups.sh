#!/usr/bin/env bash
# oomkit limits on faked machines (a folder with proc/ and sys/ as the kernel
# lays them out: cgroup v2 in a pod, v1 in docker, v1 in a cgroup namespace,
# v1 unlimited) and on this machine, where it must agree with node itself.
set -euo pipefail
bin=${OOMKIT_BIN:?}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
MiB=1048576
# machine NAME RAM_KB CGROUP_LINES MOUNTINFO_LINES: a fake root
machine() {
  local r="$tmp/$1"; mkdir -p "$r/proc/self"
  printf 'MemTotal:       %s kB\nMemFree:        1000 kB\n' "$2" >"$r/proc/meminfo"
  printf '%b' "$3" >"$r/proc/self/cgroup"
  printf '%b' "$4" >"$r/proc/self/mountinfo"
  echo "$r"
}
check() {  # check NAME JSON EXPR
  node -e "const j = JSON.parse(process.argv[1]); if (!($3)) { console.error(JSON.stringify(j, null, 1)); process.exit(1); }" "$2" ||
    fail "$1: expected $3"
}

# cgroup v2 in a Kubernetes pod: 512 MiB on the container, 1 GiB on the pod.
r=$(machine v2 16777216 '0::/kubepods/pod1/c1\n' \
  '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n')
mkdir -p "$r/sys/fs/cgroup/kubepods/pod1/c1"
echo $((512 * MiB)) >"$r/sys/fs/cgroup/kubepods/pod1/c1/memory.max"; echo max >"$r/sys/fs/cgroup/kubepods/pod1/c1/memory.high"
echo $((100 * MiB)) >"$r/sys/fs/cgroup/kubepods/pod1/c1/memory.current"
echo $((1024 * MiB)) >"$r/sys/fs/cgroup/kubepods/pod1/memory.max"; echo max >"$r/sys/fs/cgroup/memory.max"
j=$("$bin" limits --root "$r" --node-major 20 --json)
check v2 "$j" "j.cgroup.version === 2 && j.cgroup.limit_bytes === 512 * $MiB && j.cgroup.soft_limit_bytes === null && j.cgroup.usage_bytes === 100 * $MiB && j.node.memory_seen_bytes === 512 * $MiB && j.node.default_heap_limit_bytes === 259 * $MiB && j.recommended_max_old_space_size_mb === 336 && j.warnings.length === 0"
# Node 18 does not read cgroup v2: it sizes from 16 GiB of RAM and says so.
j=$("$bin" limits --root "$r" --node-major 18 --json)
check v2-node18 "$j" "j.node.memory_seen_bytes === 16 * 1024 * $MiB && j.node.default_heap_limit_bytes === 4144 * $MiB && j.warnings.some((w) => w.includes('does not read cgroup v2')) && j.warnings.some((w) => w.includes('OOM killer'))"
"$bin" limits --root "$r" --node-major 18 | grep -q "WARNING: Node 18 does not read cgroup v2" || fail "v2-node18 text"
# A tighter limit on an ancestor wins; memory.high lowers Node 20's heap.
echo $((256 * MiB)) >"$r/sys/fs/cgroup/kubepods/pod1/memory.max"; echo $((200 * MiB)) >"$r/sys/fs/cgroup/kubepods/pod1/c1/memory.high"
j=$("$bin" limits --root "$r" --node-major 20 --json)
check v2-ancestor "$j" "j.cgroup.limit_bytes === 256 * $MiB && j.cgroup.limit_from.endsWith('/kubepods/pod1') && j.node.memory_seen_bytes === 200 * $MiB && j.node.default_heap_limit_bytes === 259 * $MiB && j.warnings.some((w) => w.includes('OOM killer')) && j.warnings.some((w) => w.includes('memory.high'))"

# cgroup v1 in docker, seen from the host (the path names the container).
r=$(machine v1 8388608 '12:pids:/docker/abc\n4:memory:/docker/abc\n0::/\n' \
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n')
mkdir -p "$r/sys/fs/cgroup/memory/docker/abc"
echo $((1024 * MiB)) >"$r/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes"
echo 9223372036854771712 >"$r/sys/fs/cgroup/memory/docker/abc/memory.soft_limit_in_bytes"
echo 9223372036854771712 >"$r/sys/fs/cgroup/memory/memory.limit_in_bytes"
for major in 18 20 24; do
  j=$("$bin" limits --root "$r" --node-major $major --json)
  want=$([ $major = 24 ] && echo 560 || echo 524); rec=$([ $major = 24 ] && echo 576 || echo 720)
  check "v1 node$major" "$j" "j.cgroup.version === 1 && j.cgroup.limit_bytes === 1024 * $MiB && j.node.default_heap_limit_bytes === $want * $MiB && j.recommended_max_old_space_size_mb === $rec && j.warnings.length === 0"
done

# cgroup v1 inside the container (a cgroup namespace: the path is /, the files at the mount).
r=$(machine v1ns 8388608 '4:memory:/\n' '35 31 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n')
mkdir -p "$r/sys/fs/cgroup/memory"; echo $((256 * MiB)) >"$r/sys/fs/cgroup/memory/memory.limit_in_bytes"
j=$("$bin" limits --root "$r" --node-major 20 --json)
check v1-namespace "$j" "j.cgroup.limit_bytes === 256 * $MiB && j.node.default_heap_limit_bytes === 259 * $MiB && j.warnings.some((w) => w.includes('OOM killer'))"

# Unlimited v1: the RAM is the limit.
r=$(machine v1free 24731184 '4:memory:/x\n' '35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n')
mkdir -p "$r/sys/fs/cgroup/memory/x"; echo 9223372036854771712 >"$r/sys/fs/cgroup/memory/x/memory.limit_in_bytes"
j=$("$bin" limits --root "$r" --node-major 20 --json)
check v1-unlimited "$j" "j.cgroup.limit_bytes === null && j.enforced_bytes === 24731184 * 1024 && j.node.default_heap_limit_bytes === 4345298944"

# This machine: what node itself reports, and the RAM of /proc/meminfo.
j=$("$bin" limits --json)
expect=$(node -p "require('v8').getHeapStatistics().heap_size_limit")
ram=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024 ))
check this-machine "$j" "j.node.default_heap_limit_bytes === $expect && j.node.default_heap_limit_measured && j.ram_bytes === $ram && j.node.version === process.versions.node"
"$bin" limits | grep -q -- "--max-old-space-size=" || fail "text output"
rc=0; "$bin" limits --node /nonexistent/node >/dev/null 2>"$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q "cannot run it" "$tmp/err" || fail "missing node: exit $rc $(cat "$tmp/err")"
echo "limits_cgroups: ok"
