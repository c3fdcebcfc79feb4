#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_special.bats - special files, as tmpfs: FIFOs carry data between
# processes, Unix sockets bound on the mount connect, character and block
# device nodes made with mknod (root) keep st_mode and st_rdev; hard links,
# renames and chmod work on them like on any inode.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

@test "mknod: FIFO, socket, char and block devices, st_mode and st_rdev, as tmpfs" {
	zpfs_parity_is '
def m(p, mode, dev=0):
    t(os.mknod, p, mode, dev)
    s = os.lstat(p)
    print(oct(s.st_mode), os.major(s.st_rdev), os.minor(s.st_rdev), s.st_size, s.st_nlink)
os.umask(0o022)
m("fifo", stat.S_IFIFO | 0o666)
m("sock", stat.S_IFSOCK | 0o640)
m("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
m("blk", stat.S_IFBLK | 0o600, os.makedev(7, 200))
m("big", stat.S_IFCHR | 0o600, os.makedev(4095, 1048575))
m("reg", stat.S_IFREG | 0o777)
m("reg0", 0o644)
t(os.mknod, "dir", stat.S_IFDIR | 0o755)
t(os.mknod, "fifo", stat.S_IFIFO | 0o644)
t(os.mkfifo, "f2", 0o4777)
t(lambda: oct(os.stat("f2").st_mode))
t(os.link, "blk", "blk2")
t(lambda: (os.stat("blk").st_nlink, os.stat("blk2").st_rdev == os.makedev(7, 200)))
t(os.rename, "null", "null2")
t(lambda: os.stat("null2").st_rdev == os.makedev(1, 3))
t(os.chmod, "sock", 0o600)
t(lambda: oct(os.stat("sock").st_mode))
t(lambda: sorted(e.name + ":" + str(stat.S_IFMT(e.stat(follow_symlinks=False).st_mode)) for e in os.scandir(".")))
t(os.truncate, "fifo", 0)
t(os.truncate, "blk", 0)
' "ok
0o10644 0 0 0 1
ok
0o140640 0 0 0 1
ok
0o20644 1 3 0 1
ok
0o60600 7 200 0 1
ok
0o20600 4095 1048575 0 1
ok
0o100755 0 0 0 1
ok
0o100644 0 0 0 1
EPERM
EEXIST
ok
0o14755
ok
(2, True)
ok
True
ok
0o140600
['big:8192', 'blk2:24576', 'blk:24576', 'f2:4096', 'fifo:4096', 'null2:8192', 'reg0:32768', 'reg:32768', 'sock:49152']
EINVAL
EINVAL"
}

@test "a FIFO on the mount carries data between two processes" {
	mkfifo "$MNT/fifo"
	zpfs_bg bash -c 'head -c 3M /dev/urandom | tee "$1.src" >"$2"' _ \
		"$TEST_TMP/data" "$MNT/fifo"
	local got
	got=$(sha256sum <"$MNT/fifo" | cut -d' ' -f1)
	zpfs_bg_wait 30
	zpfs_eq "$got" "$(zpfs_sum "$TEST_TMP/data.src")" "data through the FIFO"
	# O_NONBLOCK writer with no reader: ENXIO, as on tmpfs
	zpfs_parity_is '
os.mkfifo("p")
t(os.open, "p", os.O_WRONLY | os.O_NONBLOCK)
fd = os.open("p", os.O_RDONLY | os.O_NONBLOCK)
w = os.open("p", os.O_WRONLY | os.O_NONBLOCK)
t(os.write, w, b"abc")
t(os.read, fd, 10)
t(lambda: os.fstat(w).st_size)
os.close(w); os.close(fd)
' "ENXIO
3
b'abc'
0"
}

@test "a Unix socket bound on the mount accepts connections" {
	zpfs_parity_is '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("sock")
s.listen(1)
t(lambda: stat.S_ISSOCK(os.stat("sock").st_mode))
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("sock")
a, _ = s.accept()
c.sendall(b"ping")
t(a.recv, 4)
os.rename("sock", "sock2")
c2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
t(c2.connect, "sock2")
t(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect, "sock")
t(o, "sock2", os.O_RDONLY)
for x in (a, c, c2, s):
    x.close()
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind("dgram")
e = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
e.sendto(b"dg", "dgram")
t(d.recv, 2)
t(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("dgram"))
d.close(); e.close()
' "True
b'ping'
ok
ENOENT
ENXIO
ok
b'dg'
EADDRINUSE"
}

@test "device nodes: nodev mount refuses open, a dev mount opens them" {
	# zpoolfs mounted by root without nodev: /dev/null made here works
	mknod "$MNT/null" c 1 3
	mknod "$MNT/zero" c 1 5
	zpfs_eq "$(stat -c '%F %t %T' "$MNT/null")" "character special file 1 3" \
		"stat of the node"
	if grep -E " $MNT fuse.zpoolfs [^ ]*nodev" /proc/self/mounts >/dev/null; then
		run -1 head -c 1 "$MNT/zero"
	else
		echo data >"$MNT/null"
		zpfs_eq "$(head -c 4 "$MNT/zero" | od -An -tx1 | tr -d ' ')" \
			00000000 "bytes read from the zero node"
	fi
}
