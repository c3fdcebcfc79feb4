#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_space.bats - space management, as tmpfs: fallocate modes and their
# errors, PUNCH_HOLE giving pages back (the statistics show it), lseek
# SEEK_DATA / SEEK_HOLE reporting the real holes, copy_file_range, and
# ftruncate at any offset. One deliberate difference: zpoolfs implements
# FALLOC_FL_ZERO_RANGE, which tmpfs refuses with EOPNOTSUPP (checked on its
# own below).

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

figure() {
	zpfs_xattr "$1" "$2"
}

FALLOC='
import ctypes
_libc = ctypes.CDLL(None, use_errno=True)
KEEP, PUNCH, COLLAPSE, ZERO, INSERT, UNSHARE = 1, 2, 8, 0x10, 0x20, 0x40
def fa(fd, mode, off, length):
    if _libc.fallocate(fd, mode, ctypes.c_long(off), ctypes.c_long(length)):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
def seeks(fd):
    out = []
    for off in (0, 100, 4095, 4096, 8191, 8192, 20000, 65536, 1 << 20, (1 << 20) + 9, (1 << 20) + 10, 1 << 30):
        r = []
        for wh in (os.SEEK_DATA, os.SEEK_HOLE):
            try:
                r.append(str(os.lseek(fd, off, wh)))
            except OSError as e:
                r.append(errno.errorcode[e.errno])
        out.append("%d:%s" % (off, "/".join(r)))
    print(" ".join(out))
'

@test "fallocate: modes, sizes and errors, as tmpfs (ZERO_RANGE aside)" {
	zpfs_parity_is "$FALLOC"'
fd = os.open("f", os.O_CREAT | os.O_RDWR)
sz = lambda: os.fstat(fd).st_size
t(fa, fd, 0, 0, 10000)
t(sz)
t(fa, fd, KEEP, 0, 50000)
t(sz)
t(fa, fd, 0, 20000, 100)
t(sz)
t(lambda: os.pread(fd, 10, 20090))
t(fa, fd, PUNCH, 0, 4096)
t(fa, fd, PUNCH | KEEP, 4096, 4096)
t(sz)
t(fa, fd, COLLAPSE, 0, 4096)
t(fa, fd, INSERT, 0, 4096)
t(fa, fd, UNSHARE, 0, 4096)
t(fa, fd, 0x80, 0, 4096)
t(fa, fd, 0, -1, 10)
t(fa, fd, 0, 0, 0)
t(fa, fd, 0, 0, -5)
t(fa, fd, 0, 2**62, 2**62)
t(fa, fd, KEEP, 2**40, 4096)
t(sz)
r = os.open("f", os.O_RDONLY)
t(fa, r, 0, 0, 10)
os.close(r)
os.mkdir("d")
t(lambda: fa(os.open("d", os.O_RDONLY), 0, 0, 10))
os.mkfifo("p")
t(lambda: fa(os.open("p", os.O_RDWR), 0, 0, 10))
' "ok
10000
ok
10000
ok
20100
b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00'
ENOTSUP
ok
20100
ENOTSUP
ENOTSUP
ENOTSUP
ENOTSUP
EINVAL
EINVAL
EINVAL
EFBIG
ok
20100
EBADF
EBADF
ESPIPE"
}

@test "PUNCH_HOLE: zeros where it punched, pages freed, statistics and st_blocks show it" {
	head -c 4M /dev/urandom >"$TEST_TMP/rnd"
	cp "$TEST_TMP/rnd" "$MNT/f"
	sync "$MNT/f"
	zpfs_eq "$(figure "$MNT/f" raw_pages)" 1024 "raw_pages before"
	local blocks0 mem0
	blocks0=$(stat -c %b "$MNT/f")
	mem0=$(figure "$MNT" mem_used)
	# 1 MiB from 1 MiB, plus a partial page at each end of another range
	fallocate -p -o 1M -l 1M "$MNT/f"
	fallocate -p -o $((3 * 1048576 + 100)) -l 8192 "$MNT/f"
	# 257 pages go; the page at 3 MiB keeps 100 random bytes and
	# compresses now
	zpfs_eq "$(figure "$MNT/f" raw_pages)" $((1024 - 256 - 2)) "raw_pages after"
	zpfs_eq "$(figure "$MNT/f" comp_pages)" 1 "comp_pages after"
	zpfs_eq "$(figure "$MNT" raw_pages)" $((1024 - 256 - 2)) "pool raw_pages after"
	zpfs_eq "$(stat -c %s "$MNT/f")" 4194304 "size kept"
	(( $(stat -c %b "$MNT/f") < blocks0 - 2000 )) ||
		zpfs_fail "st_blocks $blocks0 -> $(stat -c %b "$MNT/f")"
	(( $(figure "$MNT" mem_used) <= mem0 - 1048576 )) ||
		zpfs_fail "mem_used $mem0 -> $(figure "$MNT" mem_used)"
	# the same punches on a copy in a tmpfs give the same bytes
	zpfs_tmpfs
	cp "$TEST_TMP/rnd" "$TMPFS/f"
	fallocate -p -o 1M -l 1M "$TMPFS/f"
	fallocate -p -o $((3 * 1048576 + 100)) -l 8192 "$TMPFS/f"
	zpfs_dropcache "$MNT/f"
	zpfs_eq "$(zpfs_sum "$MNT/f")" "$(zpfs_sum "$TMPFS/f")" "content"
}

@test "FALLOC_FL_ZERO_RANGE (tmpfs: EOPNOTSUPP): zeros the range, frees pages" {
	python3 - "$MNT/f" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
data = os.urandom(65536)
os.write(fd, data)
def fa(mode, off, n):
    if libc.fallocate(fd, mode, ctypes.c_long(off), ctypes.c_long(n)):
        sys.exit("fallocate: " + os.strerror(ctypes.get_errno()))
fa(0x10, 1000, 20000)
want = data[:1000] + bytes(20000) + data[21000:]
if os.pread(fd, 70000, 0) != want:
    sys.exit("FAIL: ZERO_RANGE content")
fa(0x10, 60000, 10000)		# past the end: size grows
if os.fstat(fd).st_size != 70000:
    sys.exit("FAIL: ZERO_RANGE size %d" % os.fstat(fd).st_size)
fa(0x11, 0, 100000)		# KEEP_SIZE
if os.fstat(fd).st_size != 70000 or os.pread(fd, 70000, 0) != bytes(70000):
    sys.exit("FAIL: ZERO_RANGE|KEEP_SIZE")
PY
	zpfs_dropcache "$MNT/f"
	zpfs_eq "$(figure "$MNT/f" raw_pages)" 0 "raw pages after zeroing all"
	zpfs_eq "$(cmp -n 70000 "$MNT/f" /dev/zero && echo same)" same "zeros"
}

@test "lseek SEEK_DATA / SEEK_HOLE report the real holes, as tmpfs" {
	zpfs_parity_is "$FALLOC"'
fd = os.open("f", os.O_CREAT | os.O_RDWR)
os.pwrite(fd, b"a" * 5000, 0)
os.pwrite(fd, b"b" * 10, 1 << 20)
seeks(fd)
os.pwrite(fd, b"c", 65536 + 7)
seeks(fd)
fa(fd, PUNCH | KEEP, 0, 8192)
seeks(fd)
os.pwrite(fd, bytes(4096), 16384)
t(os.lseek, fd, 16384, os.SEEK_DATA)
os.ftruncate(fd, 8192)
seeks(fd)
os.ftruncate(fd, 0)
t(os.lseek, fd, 0, os.SEEK_DATA)
t(os.lseek, fd, 0, os.SEEK_HOLE)
t(os.lseek, fd, -1, os.SEEK_HOLE)
' "$(cat <<'EOF'
0:0/8192 100:100/8192 4095:4095/8192 4096:4096/8192 8191:8191/8192 8192:1048576/8192 20000:1048576/20000 65536:1048576/65536 1048576:1048576/1048586 1048585:1048585/1048586 1048586:ENXIO/ENXIO 1073741824:ENXIO/ENXIO
0:0/8192 100:100/8192 4095:4095/8192 4096:4096/8192 8191:8191/8192 8192:65536/8192 20000:65536/20000 65536:65536/69632 1048576:1048576/1048586 1048585:1048585/1048586 1048586:ENXIO/ENXIO 1073741824:ENXIO/ENXIO
0:65536/0 100:65536/100 4095:65536/4095 4096:65536/4096 8191:65536/8191 8192:65536/8192 20000:65536/20000 65536:65536/69632 1048576:1048576/1048586 1048585:1048585/1048586 1048586:ENXIO/ENXIO 1073741824:ENXIO/ENXIO
16384
0:ENXIO/0 100:ENXIO/100 4095:ENXIO/4095 4096:ENXIO/4096 8191:ENXIO/8191 8192:ENXIO/ENXIO 20000:ENXIO/ENXIO 65536:ENXIO/ENXIO 1048576:ENXIO/ENXIO 1048585:ENXIO/ENXIO 1048586:ENXIO/ENXIO 1073741824:ENXIO/ENXIO
ENXIO
ENXIO
ENXIO
EOF
)"
}

@test "copy_file_range: ranges, EOF, overlap, errors, as tmpfs" {
	zpfs_parity_is '
import random
random.seed(7)
data = bytes(random.getrandbits(8) for _ in range(70000))
wr("a", data)
fa = os.open("a", os.O_RDWR)
fb = os.open("b", os.O_CREAT | os.O_RDWR)
cfr = os.copy_file_range
t(cfr, fa, fb, 10000, 0, 0)
t(cfr, fa, fb, 30000, 100, 5000)
t(cfr, fa, fb, 100000, 69000, 40000)
t(cfr, fa, fb, 10, 70000, 0)
t(lambda: os.fstat(fb).st_size)
t(lambda: os.pread(fb, 100000, 0) == data[:5000] + data[100:30100] + bytes(5000) + data[69000:70000])
t(cfr, fa, fa, 100, 0, 50)
t(cfr, fa, fa, 100, 0, 200)
t(lambda: os.pread(fa, 70000, 0) == data[:200] + data[:100] + data[300:])
t(cfr, fa, fb, 10, 2**62, 0)
t(cfr, fa, fb, 10, 0, 2**63 - 5)
d = os.open(".", os.O_RDONLY)
t(cfr, d, fb, 10)
r = os.open("a", os.O_RDONLY)
t(cfr, fa, r, 10)
a = os.open("a", os.O_WRONLY | os.O_APPEND)
t(cfr, fa, a, 10)
t(cfr, fa, fb, 10, -1, 0)
' "10000
30000
1000
0
41000
True
EINVAL
100
True
0
4
EISDIR
EBADF
EBADF
EOVERFLOW"
}

@test "copy_file_range of compressed pages keeps data and the statistics add up" {
	zpfs_gen_text 4194304 >"$MNT/a"
	python3 -c '
import os, sys
a = os.open(sys.argv[1] + "/a", os.O_RDONLY)
b = os.open(sys.argv[1] + "/b", os.O_CREAT | os.O_WRONLY)
n = 0
while True:
    r = os.copy_file_range(a, b, 1 << 22)
    if r == 0:
        break
    n += r
assert n == 4194304, n' "$MNT"
	zpfs_dropcache "$MNT/a" "$MNT/b"
	zpfs_eq "$(zpfs_sum "$MNT/b")" "$(zpfs_sum "$MNT/a")" "copy"
	zpfs_eq "$(figure "$MNT/b" compr_bytes)" "$(figure "$MNT/a" compr_bytes)" \
		"compr_bytes of the copy"
}

@test "ftruncate at any offset: inside a page, across pages, up and down, as tmpfs" {
	zpfs_parity '
fd = os.open("f", os.O_CREAT | os.O_RDWR)
os.write(fd, bytes(range(256)) * 100)
for sz in (25600, 25599, 4097, 4096, 4095, 1, 0, 9000, 100000, 3, 2**40, 12345):
    os.ftruncate(fd, sz)
    os.pwrite(fd, b"Z", max(sz - 1, 0) // 2)
    st = os.fstat(fd)
    print(st.st_size, sha(os.pread(fd, min(st.st_size, 200000), 0)))
drop("f")
print(sha(rd("f")))
t(os.ftruncate, fd, -1)
t(os.ftruncate, fd, 2**63 - 1)
t(lambda: os.fstat(fd).st_size)
r = os.open("f", os.O_RDONLY)
t(os.ftruncate, r, 0)
t(os.truncate, ".", 0)
'
}
