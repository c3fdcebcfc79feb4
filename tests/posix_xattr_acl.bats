#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# posix_xattr_acl.bats - extended attributes and POSIX ACLs, as tmpfs:
# the user., trusted. and security. namespaces, XATTR_CREATE and
# XATTR_REPLACE, ENODATA, ERANGE, E2BIG and the size limits tmpfs has on
# this kernel (values up to 64 KiB, names up to 255 bytes, no limit on the
# number of attributes but the 64 KiB the kernel takes from listxattr), on
# files, directories, symlinks and special files; POSIX ACLs set with
# setfacl, shown by getfacl, kept in step with the mode, inherited from
# default ACLs, and enforced by the kernel for other users.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	local u
	zpfs_teardown
	for u in "${U1:-}" "${U2:-}"; do
		[[ -n "$u" ]] && userdel "$u" 2>/dev/null
	done
	return 0
}

@test "xattr: namespaces, CREATE/REPLACE, ENODATA, ERANGE, E2BIG, as tmpfs" {
	zpfs_parity_is '
C, R = os.XATTR_CREATE, os.XATTR_REPLACE
wr("f", b"")
for ns in ("user", "trusted", "security"):
    n = ns + ".a"
    t(os.setxattr, "f", n, b"1", R)
    t(os.setxattr, "f", n, b"1", C)
    t(os.setxattr, "f", n, b"2", C)
    t(os.setxattr, "f", n, b"22", R)
    t(os.getxattr, "f", n)
    t(os.setxattr, "f", n, b"", 0)
    t(os.getxattr, "f", n)
t(lambda: sorted(os.listxattr("f")))
t(os.getxattr, "f", "user.nope")
t(os.removexattr, "f", "user.nope")
t(os.removexattr, "f", "user.a")
t(os.getxattr, "f", "user.a")
t(os.setxattr, "f", "other.a", b"1")
t(os.setxattr, "f", "user.", b"1")
t(os.setxattr, "f", "user", b"1")
t(os.setxattr, "f", "user." + "n" * 250, b"1")
t(os.setxattr, "f", "user." + "n" * 251, b"1")
t(os.getxattr, "f", "user." + "n" * 251)
t(os.setxattr, "f", "user.big", b"v" * 65536)
t(lambda: len(os.getxattr("f", "user.big")))
t(os.setxattr, "f", "user.big", b"v" * 65537)
t(os.setxattr, "f", "user.bad", b"1", C | R)
t(os.setxattr, "f", "user.bad", b"1", 4)
t(os.setxattr, "f", "system.posix_acl_nope", b"1")
' "ENODATA
ok
EEXIST
ok
b'22'
ok
b''
ENODATA
ok
EEXIST
ok
b'22'
ok
b''
ENODATA
ok
EEXIST
ok
b'22'
ok
b''
['security.a', 'trusted.a', 'user.a']
ENODATA
ENODATA
ok
ENODATA
ENOTSUP
EINVAL
ENOTSUP
ok
ERANGE
ERANGE
ok
65536
E2BIG
ENODATA
EINVAL
ENOTSUP"
}

@test "xattr: ERANGE for short buffers, sizes, listxattr limits, as tmpfs" {
	zpfs_parity_is '
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
def g(p, n, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.getxattr(p.encode(), n.encode(), buf, ctypes.c_size_t(size))
    if r < 0:
        raise OSError(ctypes.get_errno(), "")
    return r, buf.raw[:min(r, size)] if size else r
def l(p, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    r = libc.listxattr(p.encode(), buf, ctypes.c_size_t(size))
    if r < 0:
        raise OSError(ctypes.get_errno(), "")
    return r
wr("f", b"")
os.setxattr("f", "user.k", b"value")
t(g, "f", "user.k", 0)
t(g, "f", "user.k", 4)
t(g, "f", "user.k", 5)
t(g, "f", "user.k", 100000)
t(l, "f", 0)
t(l, "f", 3)
t(l, "f", 7)
for i in range(2000):
    os.setxattr("f", "user.%s%04d" % ("x" * 20, i), b"")
t(l, "f", 0)
t(l, "f", 1 << 16)
# over 64 KiB: the size query differs (the FUSE kernel caps its answer at
# 64 KiB, tmpfs gives the length), listing it fails on both
for i in range(2000, 3000):
    os.setxattr("f", "user.%s%04d" % ("x" * 20, i), b"")
t(l, "f", 1 << 16)
t(lambda: len(os.listxattr("f")))
for i in range(3000):
    os.removexattr("f", "user.%s%04d" % ("x" * 20, i))
t(l, "f", 0)
for i in range(40):
    os.setxattr("f", "user.v%d" % i, os.urandom(60000))
t(lambda: len(os.listxattr("f")))
t(lambda: sum(len(os.getxattr("f", "user.v%d" % i)) for i in range(40)))
' "(5, 5)
ERANGE
(5, b'value')
(5, b'value')
7
ERANGE
7
60007
60007
E2BIG
E2BIG
7
41
2400000"
}

@test "xattr on directories, symlinks and special files; ctime moves, as tmpfs" {
	zpfs_parity_is '
import time
os.mkdir("d"); os.symlink("d", "l"); os.mkfifo("p")
os.mknod("c", stat.S_IFCHR | 0o600, os.makedev(1, 3))
for p in ("d", "p", "c"):
    t(os.setxattr, p, "user.a", b"1")
    t(os.setxattr, p, "trusted.a", b"1")
t(lambda: os.setxattr("l", "user.a", b"1", follow_symlinks=False))
t(lambda: os.setxattr("l", "trusted.a", b"1", follow_symlinks=False))
t(lambda: os.getxattr("l", "trusted.a", follow_symlinks=False))
t(os.getxattr, "l", "user.a")
t(lambda: os.listxattr("l", follow_symlinks=False))
c0 = os.stat("d").st_ctime_ns
time.sleep(0.012)
os.setxattr("d", "user.b", b"2")
t(lambda: os.stat("d").st_ctime_ns > c0)
' "ok
ok
EPERM
ok
EPERM
ok
EPERM
ok
b'1'
b'1'
['trusted.a']
True"
}

# acl_script DIR: setfacl / getfacl / chmod / create in DIR; prints what
# they show. Run on the mount and on a tmpfs, the outputs must match.
acl_script() {
	(
	set -e
	cd "$1"
	umask 022
	mkdir d
	touch f
	setfacl -m u:1234:rw,g:5678:r f
	getfacl -cn f; stat -c '%A' f
	chmod 640 f
	getfacl -cn f; stat -c '%A' f
	setfacl -b f
	getfacl -cn f; stat -c '%A' f
	setfacl -d -m u:1234:rwx,g::r-x,o::- d
	getfacl -cn d
	touch d/new; mkdir d/sub; mkfifo d/p; ln -s x d/l
	mknod d/c c 1 3
	for p in d/new d/sub d/sub/.. d/p d/c; do
		echo "== $p"; getfacl -cn "$p"; stat -c '%A' "$p"
	done
	stat -c '%A' d/l
	python3 -c 'import os; os.umask(0o077)
os.close(os.open("d/m", os.O_CREAT, 0o666))
os.close(os.open("g", os.O_CREAT, 0o666))
os.mkdir("d/sub/deeper", 0o700)'
	stat -c '%A' d/m g d/sub/deeper
	getfacl -cn d/sub/deeper
	setfacl -m u::r,g::-,o::- f; stat -c '%A' f; getfacl -cn f
	setfacl -m m::r d/new; stat -c '%A' d/new
	setfacl -k d; touch d/after; getfacl -cn d d/after
	chmod 2770 d/sub; getfacl -cn d/sub; stat -c '%A' d/sub
	cp -a d/new d/copy; getfacl -cn d/copy
	setfacl -x u:1234 d/new; getfacl -cn d/new; stat -c '%A' d/new
	getfacl -Rn . >../acls
	setfacl -b -R .
	setfacl --restore=../acls
	getfacl -Rn . >../after
	cmp ../acls ../after && echo restored
	) 2>&1
}

@test "POSIX ACLs: setfacl / getfacl, mode in step, default ACLs inherited, as tmpfs" {
	command -v setfacl >/dev/null || skip "setfacl is not installed"
	zpfs_tmpfs
	mkdir "$MNT/p" "$TMPFS/p"
	local z t
	z=$(acl_script "$MNT/p")
	t=$(acl_script "$TMPFS/p")
	if [[ "$z" != "$t" ]]; then
		diff <(echo "$t") <(echo "$z") |
			sed 's/^</  tmpfs  /; s/^>/  zpoolfs/' >&2
		zpfs_fail "ACL behaviour differs from tmpfs"
	fi
	[[ "$z" == *"default:user:1234:rwx"* ]] ||
		zpfs_fail "no default ACL shown: $z"
}

@test "POSIX ACLs are enforced for other users (allow_other)" {
	command -v setfacl >/dev/null || skip "setfacl is not installed"
	command -v useradd >/dev/null || skip "useradd is not installed"
	zpfs_umount
	chmod 755 "$TEST_TMP"
	U1=zpfs$$a U2=zpfs$$b
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$U1"
	useradd -M -N -g nogroup -s /usr/sbin/nologin "$U2"
	zpfs_mount allow_other
	local as1="setpriv --reuid=$U1 --regid=nogroup --clear-groups"
	local as2="setpriv --reuid=$U2 --regid=nogroup --clear-groups"
	chmod 755 "$MNT"
	echo secret >"$MNT/f"
	chmod 600 "$MNT/f"
	run ! $as1 cat "$MNT/f"
	setfacl -m "u:$U1:r" "$MNT/f"
	zpfs_eq "$($as1 cat "$MNT/f")" secret "named user reads"
	run ! $as2 cat "$MNT/f"
	run ! $as1 sh -c "echo x >>'$MNT/f'"
	# chmod cuts the mask: the named entry stops working
	chmod 600 "$MNT/f"
	run ! $as1 cat "$MNT/f"
	chmod 640 "$MNT/f"
	zpfs_eq "$($as1 cat "$MNT/f")" secret "named user reads again"
	# a default ACL lets U1 write into a root directory and the new
	# file is U2-readable through the inherited ACL
	mkdir -m 755 "$MNT/d"
	setfacl -m "u:$U1:rwx" -d -m "u:$U1:rwx,u:$U2:r" "$MNT/d"
	$as1 sh -c "echo made >'$MNT/d/new'"
	zpfs_eq "$($as2 cat "$MNT/d/new")" made "inherited read for U2"
	run ! $as2 sh -c "echo x >'$MNT/d/other'"
	setfacl -b "$MNT/f"
	run ! $as1 cat "$MNT/f"
}
