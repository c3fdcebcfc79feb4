#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_locks.bats - file locks between two processes, as tmpfs: flock
# (shared, exclusive, non-blocking, upgrade, release on close), fcntl
# record locks (ranges, F_GETLK's answer, lock splitting, release when any
# descriptor of the file closes), open file description locks, and a
# blocked lock that is granted when the holder lets go. zpoolfs leaves
# locking to the kernel (no lock operations), which is what tmpfs does too.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

# child(fn): run fn in a forked process, print what it printed, in order.
CHILD='
import fcntl, struct, time
def child(fn):
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            sys.stdout.flush()
            os._exit(0)
    os.waitpid(pid, 0)
def getlk(fd, typ, start, length):
    arg = struct.pack("hhqqi", typ, 0, start, length, 0)
    r = fcntl.fcntl(fd, fcntl.F_GETLK, arg)
    typ, _, start, length, pid = struct.unpack("hhqqi", r)
    n = {fcntl.F_UNLCK: "unlocked", fcntl.F_RDLCK: "rd", fcntl.F_WRLCK: "wr"}[typ]
    return n if typ == fcntl.F_UNLCK else "%s %d+%d %s" % (n, start, length, "parent" if pid == os.getppid() else "other" if pid else "ofd")
'

@test "flock between two processes, as tmpfs" {
	zpfs_parity_is "$CHILD"'
wr("f", b"")
a = os.open("f", os.O_RDWR)
fl = lambda fd, op: fcntl.flock(fd, op)
NB = fcntl.LOCK_NB
t(fl, a, fcntl.LOCK_SH)
child(lambda: (t(fl, os.open("f", os.O_RDONLY), fcntl.LOCK_SH | NB),
               t(fl, os.open("f", os.O_RDONLY), fcntl.LOCK_EX | NB)))
t(fl, a, fcntl.LOCK_EX)
child(lambda: t(fl, os.open("f", os.O_RDONLY), fcntl.LOCK_SH | NB))
b = os.dup(a)
t(fl, b, fcntl.LOCK_UN)
child(lambda: t(fl, os.open("f", os.O_RDONLY), fcntl.LOCK_EX | NB))
t(fl, a, fcntl.LOCK_EX | NB)
c = os.open("f", os.O_RDONLY)
t(fl, c, fcntl.LOCK_EX | NB)
os.close(a); os.close(b)
t(fl, c, fcntl.LOCK_EX | NB)
os.mkdir("d")
dd = os.open("d", os.O_RDONLY)
t(fl, dd, fcntl.LOCK_EX)
child(lambda: t(fl, os.open("d", os.O_RDONLY), fcntl.LOCK_EX | NB))
' "ok
ok
EAGAIN
ok
EAGAIN
ok
ok
ok
EAGAIN
ok
ok
EAGAIN"
}

@test "fcntl record locks: ranges, F_GETLK, splitting, release on close, as tmpfs" {
	zpfs_parity_is "$CHILD"'
wr("f", b"x" * 1000)
a = os.open("f", os.O_RDWR)
# fcntl.lockf(fd, how, length, start)
t(fcntl.lockf, a, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 0)
t(fcntl.lockf, a, fcntl.LOCK_SH | fcntl.LOCK_NB, 100, 200)
def peek():
    fd = os.open("f", os.O_RDWR)
    for s, n in ((0, 10), (50, 100), (150, 10), (250, 10), (299, 1), (300, 0), (0, 0)):
        print(s, n, getlk(fd, fcntl.F_WRLCK, s, n), getlk(fd, fcntl.F_RDLCK, s, n))
    t(fcntl.lockf, fd, fcntl.LOCK_SH | fcntl.LOCK_NB, 10, 250)
    t(fcntl.lockf, fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 250)
    t(fcntl.lockf, fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 400)
child(peek)
t(fcntl.lockf, a, fcntl.LOCK_UN, 20, 40)
child(lambda: (t(fcntl.lockf, os.open("f", os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB, 20, 40),
               t(fcntl.lockf, os.open("f", os.O_RDWR), fcntl.LOCK_EX | fcntl.LOCK_NB, 20, 39)))
other = os.open("f", os.O_RDONLY)
os.close(other)
child(lambda: print(getlk(os.open("f", os.O_RDWR), fcntl.F_WRLCK, 0, 0)))
' "ok
ok
0 10 wr 0+100 parent wr 0+100 parent
50 100 wr 0+100 parent wr 0+100 parent
150 10 unlocked unlocked
250 10 rd 200+100 parent unlocked
299 1 rd 200+100 parent unlocked
300 0 unlocked unlocked
0 0 wr 0+100 parent wr 0+100 parent
ok
EAGAIN
ok
ok
ok
EAGAIN
unlocked"
}

@test "OFD locks and a blocking lock granted on release, as tmpfs" {
	zpfs_parity_is "$CHILD"'
F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 36, 37, 38
def ofd(fd, cmd, typ, start, n):
    fcntl.fcntl(fd, cmd, struct.pack("hhqqi", typ, 0, start, n, 0))
wr("f", b"")
a = os.open("f", os.O_RDWR)
b = os.open("f", os.O_RDWR)
t(ofd, a, F_OFD_SETLK, fcntl.F_WRLCK, 0, 10)
t(ofd, b, F_OFD_SETLK, fcntl.F_WRLCK, 5, 10)
t(ofd, b, F_OFD_SETLK, fcntl.F_WRLCK, 10, 10)
t(lambda: getlk(b, fcntl.F_WRLCK, 0, 1))
os.close(a)
t(ofd, b, F_OFD_SETLK, fcntl.F_WRLCK, 0, 10)
os.close(b)
c = os.open("f", os.O_RDWR)
fcntl.lockf(c, fcntl.LOCK_EX)
r, w = os.pipe()
def waiter():
    fd = os.open("f", os.O_RDWR)
    os.write(w, b"go")
    t0 = time.monotonic()
    fcntl.lockf(fd, fcntl.LOCK_EX)
    print("granted after", "wait" if time.monotonic() - t0 > 0.15 else "no wait")
pid = os.fork()
if pid == 0:
    waiter(); sys.stdout.flush(); os._exit(0)
os.read(r, 2)
time.sleep(0.3)
fcntl.lockf(c, fcntl.LOCK_UN)
os.waitpid(pid, 0)
' "ok
EAGAIN
ok
wr 0+10 other
ok
granted after wait"
}
