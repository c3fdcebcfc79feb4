#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_mmap.bats - memory mappings, as tmpfs: shared writable mappings seen
# by read(2) and by other mappings, msync, data intact after munmap and a
# dropped page cache (so it comes back from the daemon), private mappings
# not written back, mmap past the end (SIGBUS), and programs on the mount
# that run.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

@test "shared writable mapping: read(2) sees it, msync, munmap, as tmpfs" {
	zpfs_parity_is '
import mmap
fd = os.open("f", os.O_CREAT | os.O_RDWR)
os.ftruncate(fd, 3 * 4096 + 100)
m = mmap.mmap(fd, 3 * 4096 + 100)
m[0:5] = b"hello"
m[4096 * 2 + 10:4096 * 2 + 15] = b"world"
m[-3:] = b"end"
t(lambda: os.pread(fd, 5, 0))
m2 = mmap.mmap(fd, 4096 * 3 + 100)
t(lambda: m2[4096 * 2 + 10:4096 * 2 + 15])
os.pwrite(fd, b"WRITE", 4096)
t(lambda: m[4096:4101])
m.flush()
m.close(); m2.close()
drop("f")
d = rd("f")
t(lambda: (len(d), d[:5], d[4096:4101], d[8202:8207], d[-3:], d.count(0)))
p = mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE)
p[0:5] = b"PRIVA"
p.close()
t(lambda: os.pread(fd, 5, 0))
os.close(fd)
' "b'hello'
b'world'
b'WRITE'
(12388, b'hello', b'WRITE', b'world', b'end', 12370)
b'hello'"
}

@test "a large shared mapping written at random survives munmap and cache drop" {
	local seed
	seed=$(zpfs_seed)
	zpfs_tmpfs
	local d
	for d in "$MNT" "$TMPFS"; do
		python3 - "$d/f" "$seed" <<'PY'
import mmap, os, random, sys
random.seed(int(sys.argv[2]))
n = 16 << 20
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
os.ftruncate(fd, n)
m = mmap.mmap(fd, n)
for _ in range(3000):
    off = random.randrange(n - 300)
    k = random.randrange(1, 300)
    m[off:off + k] = random.randbytes(k) if random.random() < 0.5 else bytes([random.randrange(256)]) * k
m.flush()
m.close()
os.close(fd)
PY
	done
	zpfs_dropcache "$MNT/f"
	zpfs_eq "$(zpfs_sum "$MNT/f")" "$(zpfs_sum "$TMPFS/f")" "content after munmap"
	# mtime and ctime moved when the pages reached the daemon (msync)
	python3 - "$MNT/g" <<'PY'
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096)
s0 = os.fstat(fd)
time.sleep(0.02)
m[0:4] = b"abcd"
m.flush()
s1 = os.fstat(fd)
if not (s1.st_mtime_ns > s0.st_mtime_ns and s1.st_ctime_ns > s0.st_ctime_ns):
    sys.exit("FAIL: mtime/ctime not moved by msync")
PY
}

@test "access past the end of a mapping gives SIGBUS, as tmpfs" {
	zpfs_parity_is '
import mmap, signal
wr("f", b"x" * 8192)
pid = os.fork()
if pid == 0:
    fd = os.open("f", os.O_RDWR)
    m = mmap.mmap(fd, 8192)
    os.ftruncate(fd, 100)
    m[5000]
    os._exit(0)
_, st = os.waitpid(pid, 0)
t(lambda: os.WTERMSIG(st) == signal.SIGBUS if os.WIFSIGNALED(st) else "exit")
fd = os.open("f", os.O_RDONLY)
t(lambda: mmap.mmap(fd, 100, prot=mmap.PROT_WRITE))
' "True
EACCES"
}

@test "executables on the mount run: a binary, a script, mapped shared libraries" {
	cp /bin/true "$MNT/true"
	cp "$(command -v echo)" "$MNT/echo" 2>/dev/null || cp /bin/echo "$MNT/echo"
	"$MNT/true"
	zpfs_eq "$("$MNT/echo" hi there)" "hi there" "echo from the mount"
	printf '#!/bin/sh\necho "script $1"\n' >"$MNT/s.sh"
	chmod +x "$MNT/s.sh"
	zpfs_eq "$("$MNT/s.sh" ok)" "script ok" "script output"
	# a dynamically linked program whose libc is loaded from the mount
	local libc
	libc=$(ldd /bin/true | awk '/libc\.so/ { print $3 }')
	if [[ -n "$libc" ]]; then
		mkdir "$MNT/lib"
		cp "$libc" "$MNT/lib/"
		zpfs_eq "$(LD_LIBRARY_PATH=$MNT/lib "$MNT/echo" lib)" lib \
			"program with its libc on the mount"
	fi
	# text busy: writing a running executable is refused
	cp /bin/sleep "$MNT/sleep"
	zpfs_bg "$MNT/sleep" 5
	sleep 0.3
	run -1 bash -c "echo x >>'$MNT/sleep'"
	[[ "$output" == *"Text file busy"* ]] ||
		zpfs_fail "writing a running program: $output"
	kill "$ZPFS_BG_PID"
	wait "$ZPFS_BG_PID" 2>/dev/null || true
	ZPFS_BG=()
	chmod -x "$MNT/true"
	run -126 "$MNT/true"
}
