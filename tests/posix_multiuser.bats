#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_multiuser.bats - several users on one mount with allow_other, as on
# tmpfs: two unprivileged users, made for each test with useradd and
# removed in teardown, get exactly what the mode bits give them - no
# reading of another user's 0600 file, no writing in a directory without
# w, sticky-directory rules, no chown unless root, set-user-ID and
# set-group-ID dropped on write, chown and setfacl - and whatever they do,
# the daemon keeps serving and exits cleanly. The kernel checks
# permissions (default_permissions); these tests show that the daemon
# gives it what it needs to check them as it does for tmpfs.

load helpers

setup() {
	zpfs_setup
	command -v useradd >/dev/null || skip "useradd is not installed"
	[[ $EUID -eq 0 ]] || skip "needs root (useradd, allow_other)"
	chmod 755 "$TEST_TMP"
	U1=zpfs$$a U2=zpfs$$b
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$U1" ||
		zpfs_fail "useradd $U1" || return 1
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$U2" ||
		zpfs_fail "useradd $U2" || return 1
	UID1=$(id -u "$U1") UID2=$(id -u "$U2") GID=$(id -g "$U1")
	zpfs_mount allow_other
	zpfs_tmpfs
}

teardown() {
	local u
	zpfs_teardown
	for u in "${U1:-}" "${U2:-}"; do
		[[ -n "$u" ]] && userdel "$u" 2>/dev/null
	done
	return 0
}

# as(uid, fn): run fn as that user (group $GID, no supplementary groups)
# in a child; its output comes before the parent's next line.
users() {
	printf '%s\n' "
U1, U2, G = $UID1, $UID2, $GID
def as_(uid, fn):
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(G)
            os.setuid(uid)
            fn()
        except Exception as e:
            print('exception', e)
        finally:
            sys.stdout.flush()
            os._exit(0)
    os.waitpid(pid, 0)
"
}

@test "another user's 0600 file: no read, no write, no chmod/chown, as tmpfs" {
	zpfs_parity_is "$(users)"'
os.chmod(".", 0o755)
wr("secret", b"root only"); os.chmod("secret", 0o600)
wr("public", b"all"); os.chmod("public", 0o644)
def u1():
    t(rd, "secret")
    o("secret", os.O_WRONLY)
    o("secret", os.O_WRONLY | os.O_TRUNC)
    t(lambda: oct(os.stat("secret").st_mode))
    t(rd, "public")
    o("public", os.O_WRONLY)
    t(os.chmod, "secret", 0o666)
    t(os.chown, "secret", U1, -1)
    t(os.chown, "public", -1, G)
    t(os.utime, "public", (1, 1))
    t(os.utime, "public", None)
    t(os.truncate, "public", 0)
    t(os.setxattr, "public", "user.x", b"1")
    t(os.getxattr, "public", "trusted.x")
    t(os.setxattr, "public", "trusted.x", b"1")
    t(os.access, "secret", os.R_OK)
    t(os.access, "public", os.R_OK)
as_(U1, u1)
t(rd, "secret")
' "EACCES
EACCES
EACCES
0o100600
b'all'
EACCES
EPERM
EPERM
EPERM
EPERM
EACCES
EACCES
EACCES
ENODATA
EPERM
False
True
b'root only'"
}

@test "no creating, removing or renaming in a directory without w, as tmpfs" {
	zpfs_parity_is "$(users)"'
os.chmod(".", 0o755)
os.mkdir("ro", 0o755); wr("ro/f", b"x"); os.chmod("ro/f", 0o666)
os.mkdir("nox", 0o766); wr("nox/f", b"y"); os.chmod("nox/f", 0o666)
def u1():
    o("ro/new", os.O_CREAT | os.O_WRONLY)
    t(os.mkdir, "ro/d")
    t(os.unlink, "ro/f")
    t(os.rename, "ro/f", "ro/g")
    t(os.symlink, "x", "ro/l")
    t(os.mknod, "ro/p", stat.S_IFIFO | 0o600)
    t(os.link, "ro/f", "ro/h")
    wr("ro/f", b"writable file")
    t(rd, "ro/f")
    t(rd, "nox/f")
    t(os.listdir, "nox")
    t(os.rmdir, "ro")
as_(U1, u1)
t(sorted, os.listdir("ro"))
' "EACCES
EACCES
EACCES
EACCES
EACCES
EACCES
EACCES
b'writable file'
EACCES
['f']
EACCES
['f']"
}

@test "sticky directory: only owners remove or rename, as tmpfs" {
	zpfs_parity_is "$(users)"'
os.chmod(".", 0o755)
os.mkdir("tmp"); os.chmod("tmp", 0o1777)
os.mkdir("open"); os.chmod("open", 0o777)
def u1():
    for d in ("tmp", "open"):
        wr(d + "/mine", b"1"); os.chmod(d + "/mine", 0o666)
        wr(d + "/keep", b"k"); os.chmod(d + "/keep", 0o666)
        os.mkdir(d + "/mydir"); os.chmod(d + "/mydir", 0o777)
def u2():
    for d in ("tmp", "open"):
        t(os.unlink, d + "/mine")
        t(os.rename, d + "/keep", d + "/stolen")
        wr(d + "/theirs", b"2")
        t(os.rename, d + "/theirs", d + "/keep")
        t(os.rmdir, d + "/mydir")
        wr(d + "/keep", b"overwritten through w")
        t(rd, d + "/keep")
as_(U1, u1)
as_(U2, u2)
t(sorted, os.listdir("tmp"))
t(sorted, os.listdir("open"))
t(os.unlink, "tmp/keep")
' "EPERM
EPERM
EPERM
EPERM
b'overwritten through w'
ok
ok
ok
ok
b'overwritten through w'
['keep', 'mine', 'mydir', 'theirs']
['keep', 'stolen']
ok"
}

@test "set-user-ID and set-group-ID dropped on write, truncate and chown, as tmpfs" {
	zpfs_parity_is "$(users)"'
os.chmod(".", 0o777)
def u1():
    for n in ("a", "b", "c", "d"):
        wr(n, b"x"); os.chmod(n, 0o6777)
    print(oct(os.stat("a").st_mode))
    with open("a", "ab") as f:
        f.write(b"own write")
    print(oct(os.stat("a").st_mode))
    os.truncate("b", 0)
    print(oct(os.stat("b").st_mode))
    os.chmod("d", 0o6767)
as_(U1, u1)
def u2():
    with open("c", "ab") as f:
        f.write(b"other write")
    print(oct(os.stat("c").st_mode))
    with open("d", "ab") as f:
        f.write(b"sgid without group x")
    print(oct(os.stat("d").st_mode))
as_(U2, u2)
os.mkdir("sg"); os.chown("sg", 0, 4321); os.chmod("sg", 0o2777)
def u1b():
    fd = os.open("sg/f", os.O_CREAT | os.O_WRONLY, 0o2755)
    print(oct(os.fstat(fd).st_mode), os.fstat(fd).st_gid)
    os.mkdir("sg/d", 0o2755)
    print(oct(os.stat("sg/d").st_mode), os.stat("sg/d").st_gid)
    t(os.chmod, "sg/f", 0o2755)
    print(oct(os.stat("sg/f").st_mode))
as_(U1, u1b)
' "0o106777
0o100777
0o100777
0o100777
0o102767
0o100755 4321
0o42755 4321
ok
0o100755"
}

@test "chown: only root gives files away; a user may change to own group, as tmpfs" {
	zpfs_parity_is "$(users)"'
os.chmod(".", 0o777)
def u1():
    wr("f", b"")
    t(os.chown, "f", U2, -1)
    t(os.chown, "f", -1, 0)
    t(os.chown, "f", U1, G)
    t(os.chown, "f", -1, -1)
    os.symlink("f", "l")
    t(os.lchown, "l", U2, -1)
as_(U1, u1)
t(os.chown, "f", U2, 0)
t(lambda: (os.stat("f").st_uid == U2, os.stat("f").st_gid))
' "EPERM
EPERM
ok
ok
EPERM
ok
(True, 0)"
}

@test "unprivileged users hammering the mount cannot hurt the daemon" {
	chmod 1777 "$MNT"
	local u seed
	seed=$(zpfs_seed)
	for u in "$UID1" "$UID2"; do
		# the system python: the caller's may live in root's home
		zpfs_bg setpriv --reuid="$u" --regid="$GID" --clear-groups \
			/usr/bin/python3 - "$MNT" "$seed$u" <<'PY'
import errno, os, random, sys, stat
os.chdir(sys.argv[1])
r = random.Random(sys.argv[2])
names = ["n%d" % i for i in range(30)] + ["d/n%d" % i for i in range(10)] + \
        ["x" * 255, "y" * 256, "d", "d/e", "..", ".", "d/../n1"]
def ops():
    a, b = r.choice(names), r.choice(names)
    # O_NONBLOCK: a FIFO made by the other user must not block us
    NB = os.O_NONBLOCK
    yield lambda: os.close(os.open(a, os.O_CREAT | os.O_WRONLY | os.O_TRUNC | NB, r.randrange(0o10000)))
    yield lambda: os.mkdir(a, r.randrange(0o10000))
    yield lambda: os.rename(a, b)
    yield lambda: os.link(a, b)
    yield lambda: os.symlink(b * r.randrange(1, 20), a)
    yield lambda: os.unlink(a)
    yield lambda: os.rmdir(a)
    yield lambda: os.chmod(a, r.randrange(0o10000))
    yield lambda: os.chown(a, r.randrange(3), -1)
    yield lambda: os.truncate(a, r.randrange(1 << 40))
    yield lambda: os.setxattr(a, "user." + b[:10], os.urandom(r.randrange(70000)))
    yield lambda: os.setxattr(a, "trusted.t", b"x")
    yield lambda: os.utime(a, (r.randrange(-2**40, 2**40),) * 2)
    yield lambda: os.mknod(a, r.choice([stat.S_IFCHR, stat.S_IFIFO, stat.S_IFSOCK]) | 0o666, 259)
    def w():
        fd = os.open(a, os.O_RDWR | NB)
        try:
            os.pwrite(fd, os.urandom(r.randrange(20000)), r.randrange(1 << 30))
            os.posix_fallocate(fd, r.randrange(1 << 20), r.randrange(1, 1 << 20))
        finally:
            os.close(fd)
    yield w
    yield lambda: os.listdir(a)
    yield lambda: os.readlink(a)
fails = 0
for _ in range(2000):
    op = r.choice(list(ops()))
    try:
        op()
    except OSError as e:
        fails += 1
    except ValueError:
        pass
print("# %d failed calls (expected)" % fails, file=sys.stderr)
PY
	done
	zpfs_bg_wait 60
	# still serving, for everyone
	echo alive >"$MNT/check"
	zpfs_eq "$(setpriv --reuid="$UID1" --regid="$GID" --clear-groups cat "$MNT/check")" \
		alive "a user reads after the storm"
	ls -A "$MNT" | sed 's/^/# left: /' >&2
	find "$MNT" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
	zpfs_eq "$(ls -A "$MNT")" "" "mount empty"
	zpfs_eq "$(zpfs_xattr "$MNT" inodes)" 1 "inodes after rm -rf"
}

@test "setfacl by a non-member drops set-group-ID, as tmpfs" {
	command -v setfacl >/dev/null || skip "setfacl is not installed"
	zpfs_parity_is "$(users)"'
import subprocess
os.chmod(".", 0o777)
def u1():
    wr("f", b"x")
    wr("g", b"y")
as_(U1, u1)
os.chown("f", -1, 4321); os.chmod("f", 0o2770)
os.chown("g", -1, G); os.chmod("g", 0o2770)
def u1b():
    for p in ("f", "g"):
        subprocess.run(["setfacl", "-m", "u:1234:r", p], check=True)
        print(p, oct(os.stat(p).st_mode))
as_(U1, u1b)
' "f 0o100770
g 0o102770"
}
