#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_open.bats - open files, as tmpfs: a file unlinked (or replaced by a
# rename) while open stays readable and writable through its descriptors,
# and its memory goes back to the pool after the last close (the pool
# figures show it); st_ino is unique and stable for a file's life.

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

@test "unlinked while open: readable, writable, fstat nlink 0, as tmpfs" {
	zpfs_parity_is '
wr("f", b"A" * 10000)
fd = os.open("f", os.O_RDWR)
fd2 = os.open("f", os.O_RDONLY)
os.unlink("f")
t(os.path.exists, "f")
t(lambda: os.fstat(fd).st_nlink)
t(lambda: os.pread(fd, 4, 9998))
t(os.pwrite, fd, b"hello", 20000)
t(lambda: os.fstat(fd).st_size)
t(lambda: os.pread(fd2, 5, 20000))
t(lambda: os.pread(fd2, 4, 12000))
t(os.ftruncate, fd, 3)
t(lambda: os.pread(fd2, 100, 0))
t(lambda: os.fstat(fd2).st_size)
os.close(fd)
t(lambda: os.pread(fd2, 100, 0))
os.close(fd2)
t(os.listdir, ".")
' "False
0
b'AA'
5
20005
b'hello'
b'\\x00\\x00\\x00\\x00'
ok
b'AAA'
3
b'AAA'
[]"
}

@test "replaced by rename while open: old data stays readable, as tmpfs" {
	zpfs_parity_is '
wr("f", b"old" * 2000)
wr("g", b"new")
fd = os.open("f", os.O_RDWR)
ino = os.fstat(fd).st_ino
os.rename("g", "f")
t(rd, "f")
t(lambda: os.fstat(fd).st_nlink)
t(lambda: os.fstat(fd).st_ino == ino)
t(lambda: os.stat("f").st_ino != ino)
t(lambda: os.pread(fd, 6, 0))
t(os.pwrite, fd, b"X", 0)
t(lambda: os.pread(fd, 6, 0))
t(rd, "f")
os.close(fd)
' "b'new'
0
True
True
b'oldold'
1
b'Xldold'
b'new'"
}

@test "memory of an unlinked file is freed at the last close" {
	local mem0 mem1 ino
	mem0=$(figure "$MNT" mem_used)
	head -c 8M /dev/urandom >"$MNT/f"
	sync "$MNT/f"
	mem1=$(figure "$MNT" mem_used)
	(( mem1 >= mem0 + 8 * 1024 * 1024 )) ||
		zpfs_fail "mem_used $mem0 -> $mem1 after 8 MiB"
	exec 5<"$MNT/f"
	rm "$MNT/f"
	# still open: the pages are still there and still readable
	zpfs_eq "$(figure "$MNT" raw_pages)" 2048 "raw_pages while open"
	zpfs_eq "$(head -c 8M <&5 | wc -c)" 8388608 "bytes read after rm"
	exec 5<&-
	zpfs_eventually 'zpfs_eq "$(figure "$MNT" raw_pages)" 0 "raw_pages after close"'
	zpfs_eventually 'zpfs_le "$(figure "$MNT" mem_used)" $((mem0 + 65536)) "mem_used after close"'
	zpfs_eq "$(figure "$MNT" inodes)" 1 "inodes after close"
}

@test "memory of a file replaced by rename is freed at the last close" {
	local mem0
	mem0=$(figure "$MNT" mem_used)
	head -c 4M /dev/urandom >"$MNT/f"
	echo new >"$MNT/g"
	sync "$MNT/f"
	exec 5<"$MNT/f"
	mv "$MNT/g" "$MNT/f"
	zpfs_eq "$(figure "$MNT" raw_pages)" 1024 "raw_pages while open"
	zpfs_eq "$(head -c 4M <&5 | wc -c)" 4194304 "old bytes after mv"
	zpfs_eq "$(cat "$MNT/f")" new "new content"
	exec 5<&-
	zpfs_eventually 'zpfs_eq "$(figure "$MNT" raw_pages)" 0 "raw_pages after close"'
	zpfs_eventually 'zpfs_eq "$(figure "$MNT" inodes)" 2 "inodes after close"'
	zpfs_eventually 'zpfs_le "$(figure "$MNT" mem_used)" $((mem0 + 65536)) "mem_used after close"'
}

@test "st_ino: unique among live files, stable across rename, link, cache drop" {
	python3 - "$MNT" <<'PY'
import os, sys
os.chdir(sys.argv[1])
inos = {}
os.mkdir("d")
for i in range(2000):
    p = "d/f%d" % i if i % 2 else "g%d" % i
    if i % 7 == 0:
        os.mkdir(p)
    elif i % 11 == 0:
        os.symlink("target", p)
    else:
        open(p, "w").close()
    inos[p] = os.lstat(p).st_ino
if len(set(inos.values())) != len(inos):
    sys.exit("FAIL: duplicate st_ino")
if os.stat(".").st_ino in inos.values():
    sys.exit("FAIL: st_ino of the root reused")
# readdir's d_ino agrees with stat
for e in os.scandir("d"):
    if e.inode() != os.lstat(e.path).st_ino:
        sys.exit("FAIL: d_ino of %s differs from st_ino" % e.path)
# stable across rename and link, and after the kernel forgets the inode
ino = inos["g2"]
os.rename("g2", "d/moved")
os.link("d/moved", "hard")
with open("/proc/sys/vm/drop_caches", "w") as f:
    f.write("2")
for p in ("d/moved", "hard"):
    if os.stat(p).st_ino != ino:
        sys.exit("FAIL: st_ino of %s changed" % p)
# a number is never reused by a later file
old = set(inos.values())
for p in list(inos):
    if os.path.isdir(p) and not os.path.islink(p):
        os.rmdir(p)
    elif os.path.lexists(p):
        os.unlink(p)
for i in range(500):
    open("n%d" % i, "w").close()
    if os.stat("n%d" % i).st_ino in old:
        sys.exit("FAIL: st_ino reused")
PY
}
