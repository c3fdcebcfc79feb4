#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# io.bats - ordinary file I/O on a mount: open flags, reads and writes
# across pages, truncation, sparse and large files, the kinds of page the
# store keeps (and the statistics that count them), ENOSPC that keeps every
# stored byte, concurrent readers and writers, real trees of files, and the
# seeded random-operation checker against tmpfs.
#
# Where data is read back to be checked, the kernel's page cache is dropped
# first (zpfs_dropcache, drop() in python) so that the bytes come from the
# daemon, not from the copy the kernel kept when they were written.
#
# ZPFS_BIG_MB sets the size of the dense-file test (default 1024).

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

# ms since the epoch, for timings printed as TAP comments
now_ms() {
	date +%s%3N
}

# ---------------------------------------------------------------------------
# open, read, write, truncate
# ---------------------------------------------------------------------------

@test "open: O_CREAT|O_EXCL gives EEXIST, O_TRUNC, O_APPEND, as tmpfs" {
	zpfs_parity_is '
wr("f", b"hello world")
os.mkdir("d")
o("f", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
o("d", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
o("new", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
t(lambda: os.stat("new").st_size)
o("f", os.O_WRONLY | os.O_TRUNC)
t(lambda: os.stat("f").st_size)
wr("a", b"12345")
fd = os.open("a", os.O_WRONLY | os.O_APPEND)
os.lseek(fd, 0, os.SEEK_SET)
os.write(fd, b"678")
os.pwrite(fd, b"9", 0)
os.close(fd)
drop("a")
t(rd, "a")
fd = os.open("a", os.O_RDWR | os.O_APPEND)
t(os.lseek, fd, 0, os.SEEK_END)
os.close(fd)
o("nonexistent", os.O_RDONLY)
o("nodir/f", os.O_CREAT | os.O_WRONLY)
o("f/x", os.O_CREAT | os.O_WRONLY)
o("f", os.O_RDONLY | os.O_DIRECTORY)
o("d", os.O_WRONLY)
o("d", os.O_RDWR)
o("d", os.O_RDONLY)
o("f", os.O_CREAT | os.O_WRONLY, 0o600)
t(lambda: oct(os.stat("new").st_mode))
' "EEXIST
EEXIST
ok
0
ok
0
b'123456789'
9
ENOENT
ENOENT
ENOTDIR
ENOTDIR
EISDIR
EISDIR
ok
ok
0o100644"
}

@test "read and write: partial pages, page boundaries, overwrites" {
	zpfs_parity '
data = bytes((i * 7 + i // 4096) % 251 for i in range(5 * 4096 + 123))
wr("f", data)
fd = os.open("f", os.O_RDWR)
os.pwrite(fd, b"X" * 20, 4090)          # across a page boundary
os.pwrite(fd, b"Y", 8192)               # one byte, page start
os.pwrite(fd, b"Z" * 4096, 3 * 4096)    # one whole page
os.pwrite(fd, b"W" * 10, 5 * 4096 + 120) # past the end: grows
os.close(fd)
drop("f")
d = rd("f")
print(len(d), sha(d))
fd = os.open("f", os.O_RDONLY)
for off, n in ((0, 1), (4089, 30), (8191, 3), (12287, 4098), (20600, 100),
               (20602, 10), (30000, 10)):
    t(os.pread, fd, n, off)
os.close(fd)
' >/dev/null
	# and against what it must be, not only against tmpfs
	run zpfs_py "$MNT/p" '
data = bytearray(bytes((i * 7 + i // 4096) % 251 for i in range(5 * 4096 + 123)))
data[4090:4110] = b"X" * 20
data[8192:8193] = b"Y"
data[3 * 4096:4 * 4096] = b"Z" * 4096
data[5 * 4096 + 120:] = b"W" * 10
print(rd("f") == bytes(data))'
	zpfs_eq "$output" True "contents of f"
}

@test "write and read back many sizes (1 B .. 1 MiB + 1)" {
	local n
	for n in 1 100 4095 4096 4097 65535 131072 131073 1048577; do
		head -c "$n" /dev/urandom >"$TEST_TMP/src"
		cp "$TEST_TMP/src" "$MNT/f$n"
		zpfs_dropcache "$MNT/f$n"
		zpfs_eq "$(stat -c %s "$MNT/f$n")" "$n" "size of f$n"
		cmp "$TEST_TMP/src" "$MNT/f$n"
	done
}

@test "truncate up and down: content kept, the rest reads as zeros" {
	zpfs_parity_is '
wr("f", b"x" * (3 * 4096 + 100))
os.truncate("f", 5000)
drop("f")
t(lambda: os.stat("f").st_size)
os.truncate("f", 20000)
drop("f")
d = rd("f")
print(len(d), d[:5000] == b"x" * 5000, d[5000:] == bytes(15000))
os.truncate("f", 0)
t(lambda: os.stat("f").st_size)
os.truncate("f", 4097)
drop("f")
print(rd("f") == bytes(4097))
fd = os.open("f", os.O_RDWR)
os.pwrite(fd, b"a" * 4096, 0)
os.ftruncate(fd, 4095)
os.ftruncate(fd, 4096)
os.fsync(fd)
os.close(fd)
drop("f")
print(rd("f") == b"a" * 4095 + b"\0")
t(os.truncate, "f", -1)
t(os.truncate, "nonexistent", 0)
' "5000
20000 True True
0
True
True
EINVAL
ENOENT"
	# and with truncate(1)
	seq 1 100000 >"$MNT/g"
	truncate -s 1000 "$MNT/g"
	zpfs_dropcache "$MNT/g"
	cmp "$MNT/g" <(seq 1 100000 | head -c 1000)
	truncate -s 1M "$MNT/g"
	zpfs_eq "$(stat -c %s "$MNT/g")" 1048576 "size after truncate -s 1M"
	cmp "$MNT/g" <(seq 1 100000 | head -c 1000; head -c 1047576 /dev/zero)
}

# ---------------------------------------------------------------------------
# sparse and large files
# ---------------------------------------------------------------------------

@test "sparse file: 20 GiB of hole, data at the end, holes read as zeros" {
	local size=$(( 20 * 1024 * 1024 * 1024 ))
	head -c 4096 /dev/urandom >"$TEST_TMP/tail"
	dd if="$TEST_TMP/tail" of="$MNT/sparse" bs=4096 seek=$(( size / 4096 )) \
		status=none
	zpfs_eq "$(stat -c %s "$MNT/sparse")" $(( size + 4096 )) "st_size"
	zpfs_le "$(du -k "$MNT/sparse" | cut -f1)" 64 "du -k of the sparse file"
	zpfs_le "$(stat -c %b "$MNT/sparse")" 128 "st_blocks"
	zpfs_eq "$(zpfs_xattr "$MNT/sparse" stored_bytes)" 4096 "stored_bytes"
	zpfs_dropcache "$MNT/sparse"
	run zpfs_py "$MNT" '
fd = os.open("sparse", os.O_RDONLY)
for off in (0, 4096 * 1000 + 17, 1 << 30, 10 << 30, (20 << 30) - 65536):
    d = os.pread(fd, 65536, off)
    print(off, len(d), d == bytes(len(d)))
os.close(fd)'
	zpfs_eq "$output" "0 65536 True
4096017 65536 True
1073741824 65536 True
10737418240 65536 True
21474770944 65536 True" "reads of the holes"
	cmp "$TEST_TMP/tail" <(tail -c 4096 "$MNT/sparse")
	# one more page in the middle; everything else stays a hole
	printf 'middle' | dd of="$MNT/sparse" bs=1 seek=$(( 10 << 30 )) \
		conv=notrunc status=none
	zpfs_dropcache "$MNT/sparse"
	zpfs_eq "$(dd if="$MNT/sparse" bs=1 skip=$(( 10 << 30 )) count=6 \
		status=none)" middle "the middle"
	zpfs_eq "$(zpfs_xattr "$MNT/sparse" stored_bytes)" 8192 "stored_bytes"
	cmp "$TEST_TMP/tail" <(tail -c 4096 "$MNT/sparse")
	# dropping it all gives the memory back
	truncate -s 0 "$MNT/sparse"
	zpfs_eq "$(zpfs_xattr "$MNT/sparse" stored_bytes)" 0 "stored after truncate"
	zpfs_eq "$(zpfs_xattr "$MNT" logical_bytes)" 0 "logical_bytes of the mount"
}

@test "cache=none: direct I/O, data intact, mmap (shared too) still works" {
	zpfs_umount
	zpfs_mount cache=none
	dd if=/dev/urandom of="$TEST_TMP/src" bs=64k count=40 status=none
	cp "$TEST_TMP/src" "$MNT/f"
	cmp "$TEST_TMP/src" "$MNT/f"
	# Read, yet nothing of it is in the page cache (with cache=auto, all
	# of it would be).
	cat "$MNT/f" > /dev/null
	zpfs_eq "$(fincore -n -b -o RES "$MNT/f" | tr -d ' ')" 0
	python3 -c '
import mmap, os, sys
p = sys.argv[1]
fd = os.open(p, os.O_RDWR)
m = mmap.mmap(fd, 8192)
m[100:105] = b"hello"
m.flush()
m.close()
os.close(fd)
with open(p, "rb") as f:
    f.seek(100)
    assert f.read(5) == b"hello", "shared mapping write not seen"
' "$MNT/f"
	dd if="$TEST_TMP/src" of="$MNT/f" bs=4k count=1 seek=10 skip=3 \
		conv=notrunc status=none
	cmp <(dd if="$MNT/f" bs=4k skip=10 count=1 status=none) \
	    <(dd if="$TEST_TMP/src" bs=4k skip=3 count=1 status=none)
	zpfs_eq "$(stat -c %s "$MNT/f")" $((64 * 1024 * 40))
}

@test "cache=none: two O_DIRECT writers on one file at once, data intact" {
	zpfs_umount
	zpfs_mount cache=none
	local seed
	seed=$(zpfs_seed)
	# 1024 pages: writer 0 takes the even ones, writer 1 the odd ones,
	# each in its own random order and all at once. The file has its size
	# first, so that the kernel may run the writes side by side.
	truncate -s 4M "$MNT/f"
	python3 - "$MNT/f" "$TEST_TMP/want" "$seed" <<'PY'
import mmap, os, random, sys
path, want, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
PAGES = 1024
def page(i):
    r = random.Random(seed * 7919 + i)
    text = b"page %d of writer %d " % (i, i % 2)
    return (text * (4096 // len(text) + 1))[:4000] + r.randbytes(96)
pids = []
for w in (0, 1):
    pid = os.fork()
    if pid == 0:
        fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
        buf = mmap.mmap(-1, 4096)
        order = list(range(w, PAGES, 2))
        random.Random(seed + w).shuffle(order)
        for i in order:
            buf[:] = page(i)
            assert os.pwrite(fd, buf, i * 4096) == 4096
        os._exit(0)
    pids.append(pid)
for pid in pids:
    assert os.waitpid(pid, 0)[1] == 0, "a writer failed"
with open(want, "wb") as f:
    for i in range(PAGES):
        f.write(page(i))
PY
	cmp "$TEST_TMP/want" "$MNT/f" || zpfs_fail "data differs (seed $seed)"
	zpfs_eq "$(stat -c %s "$MNT/f")" $((4 << 20))
}

@test "read-ahead of the mount is 1 MiB, the largest request" {
	local dev ra
	dev=$(mountpoint -d "$MNT")
	ra=$(cat "/sys/class/bdi/$dev/read_ahead_kb")
	zpfs_eq "$ra" 1024
	# A second mount gets its own.
	mkdir -p "$TEST_TMP/other"
	zpfs_mount_at "$TEST_TMP/other"
	dev=$(mountpoint -d "$TEST_TMP/other")
	zpfs_eq "$(cat "/sys/class/bdi/$dev/read_ahead_kb")" 1024
}

@test "dense file: 1 GiB written and read back intact (ZPFS_BIG_MB)" {
	local mb=${ZPFS_BIG_MB:-1024} t0 t1 t2 want
	zpfs_tmpfs
	# a third random, a third text, a third zeros and 0xaa
	{
		head -c $(( mb * 1048576 / 3 )) /dev/urandom
		zpfs_gen_text $(( mb * 1048576 / 3 ))
		head -c $(( mb * 1048576 / 6 )) /dev/zero
		head -c $(( mb * 1048576 - mb * 1048576 / 3 * 2 - mb * 1048576 / 6 )) \
			/dev/zero | tr '\0' '\252'
	} >"$TMPFS/src"
	want=$(zpfs_sum "$TMPFS/src")
	t0=$(now_ms)
	dd if="$TMPFS/src" of="$MNT/big" bs=1M conv=fsync status=none
	t1=$(now_ms)
	zpfs_dropcache "$MNT/big"
	zpfs_eq "$(zpfs_sum "$MNT/big")" "$want" "sha256 of the big file"
	t2=$(now_ms)
	echo "# dense ${mb} MiB: write $(( t1 - t0 )) ms, read $(( t2 - t1 )) ms" >&3
	zpfs_eq "$(stat -c %s "$MNT/big")" $(( mb * 1048576 )) "st_size"
	# it compressed: a third is random, a sixth same-filled
	zpfs_le "$(zpfs_xattr "$MNT/big" compr_bytes)" $(( mb * 1048576 * 3 / 4 )) \
		"compr_bytes of the big file"
}

# ---------------------------------------------------------------------------
# page kinds and their statistics
# ---------------------------------------------------------------------------

@test "same-filled pages: same_pages grows, compr_bytes does not" {
	local same0 compr0 pool0
	same0=$(zpfs_xattr "$MNT" same_pages)
	compr0=$(zpfs_xattr "$MNT" compr_bytes)
	pool0=$(zpfs_xattr "$MNT" pool_pages)
	head -c 1048576 /dev/zero | tr '\0' '\252' >"$MNT/aa"
	sync "$MNT/aa"
	zpfs_eq "$(zpfs_xattr "$MNT" same_pages)" $(( same0 + 256 )) "same_pages"
	zpfs_eq "$(zpfs_xattr "$MNT" compr_bytes)" "$compr0" "compr_bytes"
	zpfs_eq "$(zpfs_xattr "$MNT" pool_pages)" "$pool0" "pool_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/aa" same_pages)" 256 "file same_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/aa" comp_pages)" 0 "file comp_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/aa" compr_bytes)" 0 "file compr_bytes"
	zpfs_eq "$(stat -c %b "$MNT/aa")" 0 "st_blocks"
	zpfs_dropcache "$MNT/aa"
	cmp "$MNT/aa" <(head -c 1048576 /dev/zero | tr '\0' '\252')
	# a repeated 32-bit word that is not one byte repeated
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 5)) * 16384)' \
		>"$MNT/w4"
	sync "$MNT/w4"
	zpfs_eq "$(zpfs_xattr "$MNT/w4" same_pages)" 16 "same_pages of w4"
	zpfs_dropcache "$MNT/w4"
	cmp "$MNT/w4" <(python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 5)) * 16384)')
	# a repeated 8-byte word a slot has no room for (halves unequal, low
	# half not 0, top 5 bits unequal): compressed, and it reads back
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 9)) * 8192)' \
		>"$MNT/w8"
	sync "$MNT/w8"
	zpfs_eq "$(zpfs_xattr "$MNT/w8" same_pages)" 0 "same_pages of w8"
	zpfs_eq "$(zpfs_xattr "$MNT/w8" comp_pages)" 16 "comp_pages of w8"
	zpfs_dropcache "$MNT/w8"
	cmp "$MNT/w8" <(python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(1, 9)) * 8192)')
	# a repeated 64-bit number (-2) and a double (1.0) fit in a slot
	python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<q", -2) * 8192 + struct.pack("<d", 1.0) * 8192)' \
		>"$MNT/w64"
	sync "$MNT/w64"
	zpfs_eq "$(zpfs_xattr "$MNT/w64" same_pages)" 32 "same_pages of w64"
	zpfs_eq "$(zpfs_xattr "$MNT/w64" comp_pages)" 0 "comp_pages of w64"
	zpfs_dropcache "$MNT/w64"
	cmp "$MNT/w64" <(python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<q", -2) * 8192 + struct.pack("<d", 1.0) * 8192)')
	rm "$MNT/aa" "$MNT/w4" "$MNT/w8" "$MNT/w64"
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" same_pages)" "$same0" \
		"same_pages after rm"'
}

@test "incompressible pages: raw_pages grows, data intact" {
	local raw0
	raw0=$(zpfs_xattr "$MNT" raw_pages)
	head -c 1048576 /dev/urandom >"$TEST_TMP/rnd"
	cp "$TEST_TMP/rnd" "$MNT/rnd"
	sync "$MNT/rnd"
	zpfs_eq "$(zpfs_xattr "$MNT" raw_pages)" $(( raw0 + 256 )) "raw_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/rnd" raw_pages)" 256 "file raw_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/rnd" compr_bytes)" 1048576 "file compr_bytes"
	zpfs_dropcache "$MNT/rnd"
	cmp "$TEST_TMP/rnd" "$MNT/rnd"
	rm "$MNT/rnd"
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" raw_pages)" "$raw0" \
		"raw_pages after rm"'
}

@test "compressible pages: comp_pages grows, compressed in the pool" {
	local comp0
	comp0=$(zpfs_xattr "$MNT" comp_pages)
	zpfs_gen_text 1048576 >"$MNT/txt"
	sync "$MNT/txt"
	zpfs_eq "$(zpfs_xattr "$MNT" comp_pages)" $(( comp0 + 256 )) "comp_pages"
	zpfs_eq "$(zpfs_xattr "$MNT/txt" comp_pages)" 256 "file comp_pages"
	zpfs_le "$(zpfs_xattr "$MNT/txt" compr_bytes)" 524288 "file compr_bytes"
	(( $(zpfs_xattr "$MNT" pool_pages) > 0 ))
	zpfs_dropcache "$MNT/txt"
	cmp "$MNT/txt" <(zpfs_gen_text 1048576)
	# a partial overwrite patches one page
	printf 'PATCH' | dd of="$MNT/txt" bs=1 seek=5000 conv=notrunc status=none
	zpfs_dropcache "$MNT/txt"
	cmp "$MNT/txt" <(zpfs_gen_text 1048576 | python3 -c '
import sys
d = bytearray(sys.stdin.buffer.read()); d[5000:5005] = b"PATCH"
sys.stdout.buffer.write(d)')
}

# ---------------------------------------------------------------------------
# ENOSPC
# ---------------------------------------------------------------------------

@test "ENOSPC keeps old data; rm makes room again" {
	zpfs_umount
	zpfs_mount size=32m
	head -c 4M /dev/urandom >"$TEST_TMP/a"
	zpfs_gen_text 4194304 >"$TEST_TMP/t"
	cp "$TEST_TMP/a" "$MNT/a"
	cp "$TEST_TMP/t" "$MNT/t"
	run --separate-stderr timeout 60 dd if=/dev/urandom of="$MNT/fill" \
		bs=1M conv=fsync
	(( status != 0 && status != 124 )) ||
		zpfs_fail "filling the mount: dd status $status"
	zpfs_match "$stderr" 'No space left on device' "dd's error"
	local fill
	fill=$(stat -c %s "$MNT/fill")
	echo "# filled $fill bytes" >&3
	(( fill >= 16 * 1048576 )) || zpfs_fail "only $fill bytes fit"
	zpfs_dropcache "$MNT/a" "$MNT/t"
	cmp "$TEST_TMP/a" "$MNT/a"
	cmp "$TEST_TMP/t" "$MNT/t"
	# more writes while full fail, and change nothing
	! head -c 1M /dev/urandom >>"$MNT/a" 2>/dev/null ||
		! sync "$MNT/a" 2>/dev/null || zpfs_fail "appending worked when full"
	truncate -s 4M "$MNT/a"
	zpfs_dropcache "$MNT/a"
	cmp "$TEST_TMP/a" "$MNT/a"
	# room again
	rm "$MNT/fill"
	cp "$TEST_TMP/a" "$MNT/b"
	zpfs_dropcache "$MNT/b"
	cmp "$TEST_TMP/a" "$MNT/b"
	cmp "$TEST_TMP/t" "$MNT/t"
}

@test "ENOSPC during an overwrite leaves every page old or new" {
	zpfs_umount
	zpfs_mount size=32m
	head -c 2M /dev/urandom >"$TEST_TMP/old"
	head -c 2M /dev/urandom >"$TEST_TMP/new"
	cp "$TEST_TMP/old" "$MNT/a"
	run timeout 60 dd if=/dev/urandom of="$MNT/fill" bs=1M conv=fsync
	(( status != 0 && status != 124 ))
	run timeout 60 dd if="$TEST_TMP/new" of="$MNT/a" bs=64k \
		conv=notrunc,fsync
	echo "# overwrite when full: dd status $status" >&3
	zpfs_dropcache "$MNT/a"
	run zpfs_py "$MNT" "
old, new, got = rd('$TEST_TMP/old'), rd('$TEST_TMP/new'), rd('a')
kinds = {'old': 0, 'new': 0, 'other': 0}
bad = []
for p in range(len(old) // 4096):
    s = slice(p * 4096, (p + 1) * 4096)
    if got[s] == old[s]: kinds['old'] += 1
    elif got[s] == new[s]: kinds['new'] += 1
    else: kinds['other'] += 1; bad.append(p)
print(len(got), kinds['other'], kinds, bad[:10])"
	echo "# $output" >&3
	zpfs_match "$output" '^2097152 0 ' "pages that are neither old nor new"
}

# ---------------------------------------------------------------------------
# concurrency
# ---------------------------------------------------------------------------

@test "concurrent readers and writers get correct data" {
	local i j
	zpfs_tmpfs
	for i in 0 1 2 3; do
		head -c 8M /dev/urandom >"$TMPFS/src$i"
	done
	zpfs_gen_text 8388608 >"$TMPFS/static"
	cp "$TMPFS/static" "$MNT/static"
	truncate -s 32M "$MNT/shared"
	local want_static
	want_static=$(zpfs_sum "$TMPFS/static")
	for i in 0 1 2 3; do
		# each writer: its own file, and its quarter of the shared one
		zpfs_bg bash -c '
			for r in 1 2 3; do
				dd if="$1" of="$2/own$3" bs=64k status=none &&
				dd if="$1" of="$2/shared" bs=64k seek=$(( $3 * 128 )) \
					conv=notrunc status=none || exit 1
			done' writer "$TMPFS/src$i" "$MNT" "$i"
	done
	for j in 0 1; do
		zpfs_bg bash -c '
			for r in $(seq 1 6); do
				s=$(sha256sum <"$1/static" | cut -d" " -f1)
				[[ "$s" == "$2" ]] || { echo "reader: bad sum $s" >&2; exit 1; }
				cat "$1/shared" "$1/own0" >/dev/null || exit 1
			done' reader "$MNT" "$want_static"
	done
	zpfs_bg_wait 120
	zpfs_dropcache "$MNT"/own? "$MNT/shared" "$MNT/static"
	for i in 0 1 2 3; do
		cmp "$TMPFS/src$i" "$MNT/own$i"
	done
	cmp <(cat "$TMPFS"/src{0,1,2,3}) "$MNT/shared"
	cmp "$TMPFS/static" "$MNT/static"
}

# ---------------------------------------------------------------------------
# real trees of files
# ---------------------------------------------------------------------------

# tree_listing DIR: every entry's type, mode, owner, size (files), mtime
# to the nanosecond and link target, sorted.
tree_listing() {
	(cd "$1" && find . \( -type f -printf '%P f %m %U %G %s %T@\n' \) -o \
		\( -type d -printf '%P d %m %U %G %T@\n' \) -o \
		\( -type l -printf '%P l %l\n' \) -o -printf '%P ? %y\n' |
		LC_ALL=C sort)
}

@test "real tree: /usr/include extracted and compared file by file" {
	[[ -d /usr/include ]] || skip "no /usr/include"
	local t0 t1
	t0=$(now_ms)
	# pax format: mtimes to the nanosecond
	tar -C /usr --format=posix -cf - include | tar -C "$MNT" -xf -
	t1=$(now_ms)
	echo "# /usr/include: $(find "$MNT/include" | wc -l) entries," \
		"extracted in $(( t1 - t0 )) ms" >&3
	diff <(tree_listing /usr/include) <(tree_listing "$MNT/include")
	zpfs_dropcache_tree "$MNT/include"
	diff -r --no-dereference /usr/include "$MNT/include"
	echo "# compared in $(( $(now_ms) - t1 )) ms" >&3
}

@test "real tree: part of Debian's linux-source-6.1 tarball" {
	local src=/usr/src/linux-source-6.1.tar.xz t0 t1
	[[ -r "$src" ]] || skip "linux-source-6.1 is not installed"
	zpfs_tmpfs
	# The first 64 MB of the archive (most of Documentation/), unpacked
	# on the tmpfs as the reference and packed again, whole.
	mkdir "$TMPFS/ref"
	xz -dc "$src" | head -c 64M | tar -C "$TMPFS/ref" -xf - 2>/dev/null ||
		true
	tar -C "$TMPFS/ref" --format=posix -cf "$TMPFS/k.tar" .
	t0=$(now_ms)
	tar -C "$MNT" -xf "$TMPFS/k.tar"
	t1=$(now_ms)
	echo "# linux-source: $(find "$MNT" | wc -l) entries, $(du -sh \
		--apparent-size "$MNT" | cut -f1) in $(( t1 - t0 )) ms" >&3
	diff <(tree_listing "$TMPFS/ref") <(tree_listing "$MNT")
	zpfs_dropcache_tree "$MNT"
	diff -r --no-dereference "$TMPFS/ref" "$MNT"
	echo "# compared in $(( $(now_ms) - t1 )) ms" >&3
}

# ---------------------------------------------------------------------------
# random operations
# ---------------------------------------------------------------------------

@test "random operations agree with tmpfs (zpfs-randops, lz4)" {
	local seed t0
	zpfs_tmpfs
	seed=$(zpfs_seed)
	t0=$(now_ms)
	run timeout 200 "$ZPFS_RANDOPS" --seed "$seed" --ops 12000 \
		"$MNT/r" "$TMPFS/r"
	echo "$output" | sed 's/^/# /' >&3
	echo "# randops: $(( $(now_ms) - t0 )) ms" >&3
	zpfs_eq "$status" 0 "zpfs-randops exit status (seed $seed)"
}

@test "random operations agree with tmpfs (zpfs-randops, lz4hc:3, 4 in parallel)" {
	local seed i
	zpfs_umount
	zpfs_mount compressor=lz4hc:3
	zpfs_tmpfs
	seed=$(zpfs_seed)
	for i in 0 1 2 3; do
		zpfs_bg bash -c '"$1" --seed "$2" --ops 4000 --max-off $((1 << 30)) \
			"$3" "$4" >"$5" 2>&1' x "$ZPFS_RANDOPS" $(( seed + i )) \
			"$MNT/r$i" "$TMPFS/r$i" "$TEST_TMP/randops$i.out"
	done
	if ! zpfs_bg_wait 200; then
		cat "$TEST_TMP"/randops?.out
		return 1
	fi
	cat "$TEST_TMP"/randops?.out | grep ': ok:' | sed 's/^/# /' >&3
}
