#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# dirs.bats - names and metadata: mkdir, rmdir, unlink, rename (also while
# a reader looks), symlinks, chmod, chown, utimensat, timestamps, statfs,
# access, and readdir while the directory changes. Most cases are parity
# tests (zpfs_parity): the same python code runs in a directory on the
# mount and in one on a tmpfs, and both must print the same results and
# errnos; the expected output is spelled out as well.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

@test "mkdir, rmdir (ENOTEMPTY), unlink and their errors, as tmpfs" {
	zpfs_parity_is '
os.mkdir("d")
wr("d/f", b"x")
wr("f", b"")
t(os.mkdir, "d")
t(os.rmdir, "d")
t(os.unlink, "d")
t(os.rmdir, "d/f")
t(os.unlink, "d/f")
t(os.unlink, "d/f")
t(os.rmdir, "d")
t(os.rmdir, "d")
t(os.rmdir, ".")
t(os.mkdir, "x/y")
t(os.mkdir, "f")
t(os.mkdir, "f/y")
t(os.listdir, "f")
t(os.unlink, "nonexistent")
t(os.rmdir, "nonexistent")
t(os.mkdir, "a" * 255)
t(os.mkdir, "a" * 256)
o("b" * 256, os.O_CREAT | os.O_WRONLY)
t(os.stat, "c" * 256)
t(os.unlink, "c" * 256)
t(lambda: os.stat("a" * 255).st_mode & 0o170000 == stat.S_IFDIR)
t(lambda: sorted(os.listdir(".")) == ["a" * 255, "f"])
' "EEXIST
ENOTEMPTY
EISDIR
ENOTDIR
ok
ENOENT
ok
ENOENT
EINVAL
ENOENT
EEXIST
ENOTDIR
ENOTDIR
ENOENT
ENOENT
ok
ENAMETOOLONG
ENAMETOOLONG
ENAMETOOLONG
ENAMETOOLONG
True
True"
}

@test "a 255-byte name works for files, symlinks and renames" {
	local n
	n=$(printf 'n%.0s' {1..255})
	echo data >"$MNT/$n"
	zpfs_eq "$(cat "$MNT/$n")" data
	ln -s "$n" "$MNT/l$(printf 'l%.0s' {1..253})"
	mv "$MNT/$n" "$MNT/${n/n/m}"
	zpfs_eq "$(ls "$MNT" | wc -l)" 2 "entries"
	! echo x 2>/dev/null >"$MNT/x$n" || zpfs_fail "a 256-byte name worked"
}

@test "rename within and across directories, replacing, errors, as tmpfs" {
	zpfs_parity_is '
os.mkdir("a"); os.mkdir("b"); os.mkdir("c"); os.mkdir("empty")
wr("a/f", b"1"); wr("a/g", b"2"); wr("c/x", b"3")
t(os.rename, "a/f", "a/f2")
t(os.rename, "a/f2", "b/f")
t(rd, "b/f")
t(os.rename, "a/g", "b/f")
t(rd, "b/f")
t(os.listdir, "a")
t(os.rename, "nonexistent", "x")
t(os.rename, "b/f", "a")
t(os.rename, "a", "c")
t(os.rename, "a", "b/f")
t(os.rename, "b", "b/sub")
t(os.rename, "a", "e")
t(os.rename, "e", "c/x")
t(os.rename, "e", "empty")
t(os.rename, "b/f", "b/f")
t(os.rename, "b/f", "nodir/f")
t(os.rename, "b/f", "c/x/f")
t(os.rename, "b/f", "b/" + "z" * 256)
t(lambda: sorted(os.listdir(".")))
t(lambda: sorted(os.listdir("b")))
t(lambda: sorted(os.listdir("c")))
drop("b/f")
t(rd, "b/f")
' "ok
ok
b'1'
ok
b'2'
[]
ENOENT
EISDIR
ENOTEMPTY
ENOTDIR
EINVAL
ok
ENOTDIR
ok
ok
ENOENT
ENOTDIR
ENAMETOOLONG
['b', 'c', 'empty']
['f']
['x']
b'2'"
}

@test "rename replaces a file atomically while a reader loops" {
	# the reader must always find the name, with one whole version in it
	zpfs_bg python3 - "$MNT" >&3 <<'PY'
import os, sys, time
os.chdir(sys.argv[1])
with open("target", "wb") as f:
    f.write(b"v0" * 3000)
open("ready", "w").close()
errors = reads = 0
deadline = time.time() + 60
while not os.path.exists("done") and time.time() < deadline:
    try:
        with open("target", "rb") as f:
            d = f.read()
    except OSError as e:
        errors += 1
        print("reader:", e, file=sys.stderr)
        continue
    reads += 1
    if len(d) != 6000 or d != d[:2] * 3000:
        errors += 1
        print("reader: torn content", d[:8], len(d), file=sys.stderr)
print("# %d reads of the file being replaced, %d errors" % (reads, errors))
sys.exit(1 if errors or reads < 10 else 0)
PY
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -e "$MNT/ready" ]] && break
		sleep 0.05
	done
	python3 - "$MNT" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for i in range(1, 400):
    v = b"%02d" % (i % 100)
    with open("tmp", "wb") as f:
        f.write(v * 3000)
    os.rename("tmp", "target")
open("done", "w").close()
PY
	zpfs_bg_wait 90
	zpfs_eq "$(ls "$MNT" | sort | tr '\n' ' ')" "done ready target " "entries"
}

@test "symlink and readlink, as tmpfs" {
	zpfs_parity_is '
t(os.symlink, "target/file", "l")
t(os.readlink, "l")
t(lambda: stat.S_ISLNK(os.lstat("l").st_mode))
t(lambda: os.lstat("l").st_size)
t(os.stat, "l")
wr("real", b"data")
t(os.symlink, "real", "l2")
t(rd, "l2")
t(os.symlink, "x", "l")
t(os.symlink, "x", "real")
t(os.readlink, "real")
t(os.readlink, "nonexistent")
t(os.symlink, "", "empty")
t(os.symlink, "y" * 4095, "long")
t(lambda: os.readlink("long") == "y" * 4095)
t(lambda: os.lstat("long").st_size)
t(os.symlink, "y" * 4096, "toolong")
os.mkdir("d")
t(os.symlink, "../real", "d/up")
t(rd, "d/up")
t(os.symlink, "d", "ld")
t(os.listdir, "ld/")
t(os.unlink, "l")
t(os.readlink, "l")
t(lambda: sorted(os.listdir(".")))
' "ok
target/file
True
11
ENOENT
ok
b'data'
EEXIST
EEXIST
EINVAL
ENOENT
ENOENT
ok
True
4095
ENAMETOOLONG
ok
b'data'
ok
['up']
ok
ENOENT
['d', 'l2', 'ld', 'long', 'real']"
}

@test "chmod, chown, utimensat with nanoseconds, as tmpfs" {
	zpfs_parity_is '
wr("f", b"x")
os.mkdir("d")
os.symlink("f", "l")
os.chmod("f", 0o640)
t(lambda: oct(os.stat("f").st_mode))
os.chmod("f", 0o4755)
t(lambda: oct(os.stat("f").st_mode))
os.chmod("d", 0o2750)
t(lambda: oct(os.stat("d").st_mode))
os.chown("f", 1234, 5678)
t(lambda: (os.stat("f").st_uid, os.stat("f").st_gid))
os.chown("f", -1, 42)
t(lambda: (os.stat("f").st_uid, os.stat("f").st_gid))
os.lchown("l", 7, 8)
t(lambda: (os.lstat("l").st_uid, os.lstat("l").st_gid, os.stat("l").st_uid))
os.utime("f", ns=(1234567890123456789, 1500000000987654321))
t(lambda: (os.stat("f").st_atime_ns, os.stat("f").st_mtime_ns))
os.utime("f", ns=(1, 999999999))
drop("f")
t(lambda: (os.stat("f").st_atime_ns, os.stat("f").st_mtime_ns))
os.utime("d", ns=(-1000000001, 4102444800000000000))
t(lambda: (os.stat("d").st_atime_ns, os.stat("d").st_mtime_ns))
os.utime("l", ns=(5, 6), follow_symlinks=False)
t(lambda: (os.lstat("l").st_atime_ns, os.lstat("l").st_mtime_ns, os.stat("l").st_mtime_ns))
t(os.chmod, "nonexistent", 0o644)
t(os.chown, "nonexistent", 0, 0)
t(os.utime, "nonexistent")
' "0o100640
0o104755
0o42750
(1234, 5678)
(1234, 42)
(7, 8, 1234)
(1234567890123456789, 1500000000987654321)
(1, 999999999)
(-1000000001, 4102444800000000000)
(5, 6, 999999999)
ENOENT
ENOENT
ENOENT"
	# touch -d with nanoseconds, read back with stat %y
	zpfs_tmpfs
	touch -d '2001-02-03 04:05:06.123456789' "$MNT/t" "$TMPFS/t"
	zpfs_eq "$(stat -c %y "$MNT/t")" "$(stat -c %y "$TMPFS/t")" "stat %y"
	zpfs_match "$(stat -c %y "$MNT/t")" '^2001-02-03 04:05:06\.123456789 ' \
		"stat %y"
}

@test "timestamps: write changes mtime and ctime, chmod ctime only, create changes the directory's" {
	zpfs_tmpfs
	run zpfs_parity '
import time
def times(p):
    s = os.stat(p)
    return s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns
past = 10**9
os.mkdir("d")
wr("d/f", b"x")
os.utime("d/f", ns=(past, past))
os.utime("d", ns=(past, past))
a0, m0, c0 = times("d/f")
print("utime:", a0 == past, m0 == past, c0 > past)
time.sleep(0.02)
fd = os.open("d/f", os.O_WRONLY)
os.write(fd, b"y")
os.close(fd)
a1, m1, c1 = times("d/f")
print("write:", a1 == past, m1 > past, c1 > c0)
os.utime("d/f", ns=(past, past))
a0, m0, c0 = times("d/f")
time.sleep(0.02)
os.chmod("d/f", 0o600)
a1, m1, c1 = times("d/f")
print("chmod:", a1 == past, m1 == past, c1 > c0)
time.sleep(0.02)
os.truncate("d/f", 0)
a2, m2, c2 = times("d/f")
print("truncate:", m2 > past, c2 > c1)
_, dm0, dc0 = times("d")
print("dir after utime:", dm0 == past)
time.sleep(0.02)
wr("d/g", b"")
_, dm1, dc1 = times("d")
print("create:", dm1 > past, dc1 > dc0)
os.utime("d", ns=(past, past))
_, dm0, dc0 = times("d")
time.sleep(0.02)
os.unlink("d/g")
_, dm1, dc1 = times("d")
print("unlink:", dm1 > past, dc1 > dc0)
os.utime("d", ns=(past, past))
time.sleep(0.02)
os.rename("d/f", "d/h")
_, dm1, _ = times("d")
print("rename:", dm1 > past)
os.utime("d", ns=(past, past))
os.mkdir("d/sub")
_, dm1, _ = times("d")
print("mkdir:", dm1 > past)
now = time.time_ns()
s = os.stat("d/h")
print("ctime is now:", abs(s.st_ctime_ns - now) < 5 * 10**9)
'
	zpfs_eq "$status" 0 "parity (output: $output)"
	zpfs_eq "$output" "utime: True True True
write: True True True
chmod: True True True
truncate: True True
dir after utime: True
create: True True
unlink: True True
rename: True
mkdir: True
ctime is now: True" "timestamps"
}

@test "statfs and df show the cap and what is used" {
	zpfs_umount
	zpfs_mount size=256m,nr_inodes=1000
	local total used0 used1 bs
	bs=$(stat -f -c %S "$MNT")
	total=$(( $(stat -f -c %b "$MNT") * bs ))
	zpfs_eq "$total" 268435456 "f_blocks * f_frsize"
	zpfs_eq "$(df -B1 --output=size "$MNT" | tail -n 1 | tr -d ' ')" \
		268435456 "df size"
	zpfs_eq "$(stat -f -c %c "$MNT")" 1000 "f_files"
	zpfs_eq "$(stat -f -c %l "$MNT")" 255 "f_namemax"
	used0=$(df -B1 --output=used "$MNT" | tail -n 1)
	head -c 10M /dev/urandom >"$MNT/rnd"
	sync "$MNT/rnd"
	used1=$(df -B1 --output=used "$MNT" | tail -n 1)
	echo "# df used: $used0 -> $used1" >&3
	(( used1 - used0 >= 10485760 )) ||
		zpfs_fail "df used grew by $(( used1 - used0 )) for 10 MiB"
	(( used1 - used0 <= 12 * 1048576 )) ||
		zpfs_fail "df used grew by $(( used1 - used0 )) for 10 MiB"
	local ffree0 ffree1
	ffree0=$(stat -f -c %d "$MNT")
	touch "$MNT"/new{1..10}
	ffree1=$(stat -f -c %d "$MNT")
	zpfs_eq "$ffree1" $(( ffree0 - 10 )) "f_ffree after 10 files"
	rm "$MNT/rnd"
	zpfs_eventually 'zpfs_le "$(df -B1 --output=used "$MNT" | tail -n 1)" \
		$(( used0 + 65536 )) "df used after rm"'
}

@test "access: F_OK, R_OK, W_OK, X_OK, as tmpfs" {
	zpfs_parity_is '
wr("rw", b""); os.chmod("rw", 0o644)
wr("ro", b""); os.chmod("ro", 0o444)
wr("x", b""); os.chmod("x", 0o755)
wr("none", b""); os.chmod("none", 0o000)
os.mkdir("d", 0o755)
for p in ("rw", "ro", "x", "none", "d", "nonexistent"):
    print(p, [os.access(p, m) for m in (os.F_OK, os.R_OK, os.W_OK, os.X_OK)])
' "rw [True, True, True, False]
ro [True, True, True, False]
x [True, True, True, True]
none [True, True, True, False]
d [True, True, True, True]
nonexistent [False, False, False, False]"
}

@test "readdir: 5000 entries listed exactly" {
	python3 -c '
import os, sys
for i in range(5000):
    open(os.path.join(sys.argv[1], "file%05d" % i), "w").close()' "$MNT"
	zpfs_eq "$(ls "$MNT" | wc -l)" 5000 "ls | wc -l"
	zpfs_eq "$(ls -f "$MNT" | wc -l)" 5002 "ls -f | wc -l (with . and ..)"
	zpfs_eq "$(ls "$MNT" | sort -u | wc -l)" 5000 "distinct names"
	diff <(ls "$MNT") <(printf 'file%05d\n' $(seq 0 4999))
	rm -rf "${MNT:?}"/*
	zpfs_eq "$(ls -A "$MNT" | wc -l)" 0 "entries after rm"
}

@test "readdir stays correct while entries are added and removed" {
	python3 -c '
import os, sys
for i in range(5000):
    open(os.path.join(sys.argv[1], "file%05d" % i), "w").close()' "$MNT"
	# one process removes the odd files and adds new ones while another
	# lists the directory over and over: every even file (never touched)
	# must show up exactly once in every listing, and nothing unknown.
	zpfs_bg python3 - "$MNT" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(1, 5000, 2):
    os.unlink(os.path.join(d, "file%05d" % i))
    if i % 4 == 1:
        open(os.path.join(d, "new%05d" % i), "w").close()
open(os.path.join(d, "zz-done"), "w").close()
PY
	python3 - "$MNT" >&3 <<'PY'
import os, sys, time
d = sys.argv[1]
evens = {"file%05d" % i for i in range(0, 5000, 2)}
known = {"file%05d" % i for i in range(5000)} | \
        {"new%05d" % i for i in range(1, 5000, 4)} | {"zz-done"}
rounds = 0
deadline = time.time() + 60
while True:
    done = os.path.exists(os.path.join(d, "zz-done"))
    names = os.listdir(d)
    rounds += 1
    dup = len(names) - len(set(names))
    missing = evens - set(names)
    unknown = set(names) - known
    if dup or missing or unknown:
        sys.exit("round %d: %d duplicates, missing %s, unknown %s" %
                 (rounds, dup, sorted(missing)[:5], sorted(unknown)[:5]))
    if done or time.time() > deadline:
        break
print("# %d listings while the directory changed" % rounds)
final = set(os.listdir(d))
want = evens | {"new%05d" % i for i in range(1, 5000, 4)} | {"zz-done"}
if final != want:
    sys.exit("final listing: missing %s, extra %s" %
             (sorted(want - final)[:5], sorted(final - want)[:5]))
PY
	zpfs_bg_wait 60
}

@test "readdir: each listing shows the changes made since the last one" {
	# Directories are opened without OPENDIR, so the kernel may cache a
	# listing (FOPEN_CACHE_DIR); every change must still show at once.
	python3 - "$MNT" <<'PY'
import os, sys
d = os.path.join(sys.argv[1], "d")
os.mkdir(d)
def ls():
    return sorted(os.listdir(d))
for i in range(300):
    open(os.path.join(d, "f%03d" % i), "w").close()
want = ["f%03d" % i for i in range(300)]
assert ls() == want and ls() == want, "first listings"
open(os.path.join(d, "new"), "w").close()
assert ls() == sorted(want + ["new"]), "create not listed"
os.unlink(os.path.join(d, "f007"))
want.remove("f007")
assert ls() == sorted(want + ["new"]), "unlink still listed"
os.rename(os.path.join(d, "new"), os.path.join(d, "renamed"))
assert ls() == sorted(want + ["renamed"]), "rename not listed"
os.mkdir(os.path.join(d, "sub"))
os.symlink("x", os.path.join(d, "link"))
os.link(os.path.join(d, "f000"), os.path.join(d, "hard"))
assert ls() == sorted(want + ["renamed", "sub", "link", "hard"]), "mkdir/symlink/link"
os.rename(os.path.join(d, "hard"), os.path.join(sys.argv[1], "moved"))
assert "hard" not in ls(), "moved away, still listed"
# through an open directory descriptor too
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
with os.scandir(fd) as it:
    first = [e.name for e in it]
os.close(fd)
assert sorted(first) == ls()
PY
}

@test "a deep tree: mkdir -p, find, rm -rf" {
	local p=$MNT
	for i in $(seq 1 50); do
		p=$p/d$i
	done
	mkdir -p "$p"
	echo bottom >"$p/f"
	zpfs_eq "$(cat "$p/f")" bottom
	zpfs_eq "$(find "$MNT" -type d | wc -l)" 51 "directories"
	rm -rf "$MNT/d1"
	zpfs_eq "$(ls -A "$MNT")" "" "entries after rm -rf"
}
