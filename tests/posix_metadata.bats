#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_metadata.bats - timestamps and mode bits, as tmpfs: which calls move
# atime, mtime and ctime (of the file and of its directory), nanoseconds,
# UTIME_NOW / UTIME_OMIT, set-group-ID directories, set-user-ID and
# set-group-ID bits cleared by chown, the sticky bit. (What an unprivileged
# user sees - bits cleared on write, sticky rules - is in
# posix_multiuser.bats.)

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

@test "timestamps: which call changes atime, mtime, ctime (file and dir), as tmpfs" {
	zpfs_parity '
import time, ctypes
_libc = ctypes.CDLL(None, use_errno=True)
def r2(a, b, flags):
    if _libc.renameat2(-100, a.encode(), -100, b.encode(), flags):
        raise OSError(ctypes.get_errno(), "renameat2")
def times(p):
    s = os.stat(p) if isinstance(p, int) else os.lstat(p)
    return (s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns)
def step(what, fn, p="d/f"):
    bf, bd = times(p), times("d")
    time.sleep(0.012)
    fn()
    af, ad = times(p), times("d")
    ch = lambda b, a: "".join(n for n, x, y in zip("amc", b, a) if x != y) or "-"
    print("%-22s file %-3s dir %s" % (what, ch(bf, af), ch(bd, ad)))
os.mkdir("d")
wr("d/f", b"x" * 5000)
fd = os.open("d/f", os.O_RDWR)
step("read (relatime)", lambda: os.pread(fd, 10, 0))
step("read again", lambda: os.pread(fd, 10, 0))
step("write", lambda: os.pwrite(fd, b"y", 10))
step("write 0 bytes", lambda: os.pwrite(fd, b"", 10))
step("ftruncate same size", lambda: os.ftruncate(fd, 5000))
step("truncate same size", lambda: os.truncate("d/f", 5000))
step("ftruncate smaller", lambda: os.ftruncate(fd, 4000))
step("chmod", lambda: os.chmod("d/f", 0o600))
step("chown same", lambda: os.chown("d/f", -1, -1))
step("chown", lambda: os.chown("d/f", 0, 0))
step("setxattr", lambda: os.setxattr("d/f", "user.a", b"1"))
step("removexattr", lambda: os.removexattr("d/f", "user.a"))
step("getxattr miss", lambda: t(os.getxattr, "d/f", "user.a"))
step("fsync", lambda: os.fsync(fd))
step("link", lambda: os.link("d/f", "d/g"))
step("unlink other name", lambda: os.unlink("d/g"))
step("rename in dir", lambda: os.rename("d/f", "d/f2"), fd)
os.rename("d/f2", "d/f")
step("open O_TRUNC", lambda: os.close(os.open("d/f", os.O_WRONLY | os.O_TRUNC)))
step("open O_TRUNC again", lambda: os.close(os.open("d/f", os.O_WRONLY | os.O_TRUNC)))
step("open O_RDONLY", lambda: os.close(os.open("d/f", os.O_RDONLY)))
step("fallocate", lambda: os.posix_fallocate(fd, 0, 8192))
# mmap: see posix_mmap.bats (tmpfs moves the times at write faults)
step("mkdir in dir", lambda: os.mkdir("d/sub"))
step("rmdir in dir", lambda: os.rmdir("d/sub"))
step("symlink in dir", lambda: os.symlink("f", "d/s"))
step("readdir", lambda: os.listdir("d"), "d/s")
step("readlink", lambda: os.readlink("d/s"), "d/s")
step("utime (explicit)", lambda: os.utime("d/f", ns=(5, 6)))
step("utime (now)", lambda: os.utime("d/f"))
os.mkdir("e"); os.mkdir("d/sub")
dfd = os.open("d/sub", os.O_RDONLY)
step("rename dir across", lambda: os.rename("d/sub", "e/sub"), dfd)
step("  (the other dir)", lambda: os.rename("e/sub", "d/sub"), "e")
step("rename file across", lambda: os.rename("d/f", "e/f"), "e")
step("exchange", lambda: r2("e/f", "d/s", 2), fd)
step("rename over a name", lambda: os.rename("d/s", "e/f"), fd)
os.close(dfd)
os.close(fd)
'
}

@test "utimensat: nanoseconds, UTIME_NOW, UTIME_OMIT, symlinks, as tmpfs" {
	zpfs_parity_is '
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
class TS(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_long), ("nsec", ctypes.c_long)]
NOW, OMIT = (1 << 30) - 1, (1 << 30) - 2
def ut(p, a, m, flags=0):
    ts = (TS * 2)(TS(*a), TS(*m))
    if libc.utimensat(-100, p.encode(), ts, flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
def tm(p):
    s = os.lstat(p)
    return (s.st_atime_ns, s.st_mtime_ns)
wr("f", b"")
os.symlink("f", "l")
t(ut, "f", (1, 123456789), (2, 999999999))
t(tm, "f")
t(ut, "f", (3, 0), (0, OMIT))
t(tm, "f")
t(ut, "f", (0, OMIT), (-1, 5))
t(tm, "f")
c0 = os.stat("f").st_ctime_ns
time.sleep(0.012)
t(ut, "f", (0, OMIT), (0, OMIT))
t(lambda: os.stat("f").st_ctime_ns == c0)
t(ut, "f", (0, NOW), (0, OMIT))
t(lambda: abs(os.stat("f").st_atime_ns - time.time_ns()) < 2e9)
t(lambda: os.stat("f").st_mtime_ns)
t(ut, "f", (0, 1000000000), (0, 0))
t(ut, "f", (0, -1), (0, 0))
t(ut, "l", (7, 7), (8, 8), 0x100)
t(tm, "l")
t(lambda: os.stat("f").st_mtime_ns)
t(ut, "nonexistent", (0, 0), (0, 0))
t(ut, "f", (2**40, 1), (-2**31, 2))
t(tm, "f")
' "ok
(1123456789, 2999999999)
ok
(3000000000, 2999999999)
ok
(3000000000, -999999995)
ok
True
ok
True
-999999995
EINVAL
EINVAL
ok
(7000000007, 8000000008)
-999999995
ENOENT
ok
(1099511627776000000001, -2147483647999999998)"
}

@test "set-group-ID directory: group and bit inherited by new entries, as tmpfs" {
	zpfs_parity_is '
os.umask(0o022)
os.mkdir("d", 0o755)
os.chown("d", 0, 4321)
os.chmod("d", 0o2775)
wr("d/f", b"")
os.mkdir("d/sub", 0o755)
os.mknod("d/p", stat.S_IFIFO | 0o644)
os.symlink("x", "d/l")
for p in ("d/f", "d/sub", "d/p", "d/l"):
    s = os.lstat(p)
    print(p, oct(s.st_mode), s.st_gid)
wr("d/sub/g", b"")
os.mkdir("d/sub/deeper")
print(os.stat("d/sub/g").st_gid, oct(os.stat("d/sub/deeper").st_mode), os.stat("d/sub/deeper").st_gid)
os.chmod("d", 0o755)
os.mkdir("d/plain")
print(oct(os.stat("d/plain").st_mode), os.stat("d/plain").st_gid)
os.mkdir("e", 0o2755)
t(lambda: oct(os.stat("e").st_mode))
os.mkdir("d/sub/explicit", 0o2700)
t(lambda: oct(os.stat("d/sub/explicit").st_mode))
' "d/f 0o100644 4321
d/sub 0o42755 4321
d/p 0o10644 4321
d/l 0o120777 4321
4321 0o42755 4321
0o40755 0
0o40755
0o42700"
}

@test "chown and chmod: set-user-ID / set-group-ID bits as tmpfs (root)" {
	zpfs_parity '
def show(p):
    s = os.lstat(p)
    print(p, oct(s.st_mode), s.st_uid, s.st_gid)
wr("f", b"x"); os.chmod("f", 0o6755)
os.chown("f", 1000, -1); show("f")
os.chmod("f", 0o6755); os.chown("f", -1, 1000); show("f")
os.chmod("f", 0o6755); os.chown("f", -1, -1); show("f")
os.chmod("f", 0o2745); os.chown("f", 1000, 1000); show("f")
os.chmod("f", 0o2705); os.chown("f", 0, 0); show("f")
os.mkdir("d"); os.chmod("d", 0o6755); os.chown("d", 1000, 1000); show("d")
os.chmod("f", 0o7777); show("f")
os.chmod("f", 0o6755)
with open("f", "ab") as fh:
    fh.write(b"root writes")
show("f")
os.symlink("f", "l")
t(os.lchown, "l", 1234, 1234)
show("l"); show("f")
os.chmod("d", 0o1777); show("d")
'
}

@test "sticky bit: kept, shown, and root may still remove anything, as tmpfs" {
	zpfs_parity_is '
os.mkdir("t", 0o1777)
os.chmod("t", 0o1777)
wr("t/f", b""); os.chown("t/f", 1000, 1000)
t(lambda: oct(os.stat("t").st_mode))
t(os.rename, "t/f", "t/g")
t(os.unlink, "t/g")
os.chmod("t", 0o777)
t(lambda: oct(os.stat("t").st_mode))
' "0o41777
ok
ok
0o40777"
}
