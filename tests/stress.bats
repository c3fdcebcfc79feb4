#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# stress.bats - several processes at once, and input meant to hurt: writers
# sharing pages of the same files while readers check what must not change,
# thousands of small files created and removed in parallel, offsets near
# 2^63, names too long or not UTF-8, clients killed mid-write and a storm
# of ENOSPC. After each, the daemon must still answer, and teardown checks
# that it exits 0 with a clean log.

load helpers

setup() {
	zpfs_setup
	zpfs_mount
}

teardown() {
	zpfs_teardown
}

# responsive DIR: the daemon of DIR answers within 10 s, reads and writes.
responsive() {
	timeout 10 stat "$1" >/dev/null || zpfs_fail "stat $1 hangs or fails"
	timeout 10 sh -c 'echo alive >"$1/.alive" && cat "$1/.alive" &&
		rm "$1/.alive"' x "$1" >/dev/null ||
		zpfs_fail "the daemon of $1 does not answer"
}

@test "4 writers and 4 readers on the same files (sub-page stripes)" {
	local seed
	seed=$(zpfs_seed)
	cat >"$TEST_TMP/stripes.py" <<'PY'
# stripes.py ROLE ID DIR SEED: writer ID owns the 1000-byte stripes k of
# each shared file with k % 4 == ID (so writers share every page); a
# reader re-reads a file nobody writes, from the daemon, and checks it.
import os, random, sys, time
role, wid, d, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
FILES, SIZE, STRIPE, ROUNDS = 2, 4 << 20, 1000, 2
rnd = random.Random(seed)
pattern = rnd.randbytes(1 << 20)
def stripe(f, k, r):
    o = (k * 13 + r * 1009 + f * 7) % (len(pattern) - STRIPE)
    return pattern[o:o + STRIPE]
nstripes = (SIZE + STRIPE - 1) // STRIPE
if role == "writer":
    mine = [(f, k) for f in range(FILES) for k in range(wid, nstripes, 4)]
    fds = [os.open(os.path.join(d, "shared%d" % f), os.O_RDWR) for f in range(FILES)]
    for r in range(ROUNDS):
        random.Random(seed + wid * 100 + r).shuffle(mine)
        for f, k in mine:
            data = stripe(f, k, r)[:SIZE - k * STRIPE]
            if os.pwrite(fds[f], data, k * STRIPE) != len(data):
                sys.exit("short write")
        os.fsync(fds[0])
elif role == "reader":
    want = open(os.path.join(d, "static.sum")).read().strip()
    import hashlib
    n = 0
    while not os.path.exists(os.path.join(d, "writers.done")) or n < 3:
        fd = os.open(os.path.join(d, "static"), os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        h = hashlib.sha256()
        while True:
            b = os.read(fd, 1 << 17)
            if not b:
                break
            h.update(b)
        os.close(fd)
        if h.hexdigest() != want:
            sys.exit("reader %d: static file changed (round %d)" % (wid, n))
        with open(os.path.join(d, "shared%d" % (n % FILES)), "rb") as f:
            while f.read(1 << 17):
                pass
        n += 1
        if n > 10000:
            sys.exit("reader: writers never finished")
elif role == "check":
    bad = 0
    for f in range(FILES):
        p = os.path.join(d, "shared%d" % f)
        fd = os.open(p, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        got = os.pread(fd, SIZE + 1, 0)
        os.close(fd)
        if len(got) != SIZE:
            sys.exit("%s: size %d" % (p, len(got)))
        for k in range(nstripes):
            want = stripe(f, k, ROUNDS - 1)[:SIZE - k * STRIPE]
            if got[k * STRIPE:k * STRIPE + len(want)] != want:
                bad += 1
                if bad < 5:
                    print("%s: stripe %d (writer %d, offset %d) is wrong" %
                          (p, k, k % 4, k * STRIPE), file=sys.stderr)
    sys.exit(1 if bad else 0)
PY
	zpfs_gen_text 8388608 >"$MNT/static"
	zpfs_sum "$MNT/static" >"$MNT/static.sum"
	truncate -s 4M "$MNT/shared0" "$MNT/shared1"
	local i
	for i in 0 1 2 3; do
		zpfs_bg python3 "$TEST_TMP/stripes.py" reader "$i" "$MNT" "$seed"
	done
	local writers=()
	for i in 0 1 2 3; do
		python3 "$TEST_TMP/stripes.py" writer "$i" "$MNT" "$seed" 3>&- &
		writers+=("$!")
	done
	for i in "${writers[@]}"; do
		wait "$i" || zpfs_fail "writer $i failed"
	done
	: >"$MNT/writers.done"
	zpfs_bg_wait 120
	python3 "$TEST_TMP/stripes.py" check 0 "$MNT" "$seed"
	responsive "$MNT"
}

@test "10k small files created, checked and removed by 4 processes at once" {
	local inodes0 i
	inodes0=$(zpfs_xattr "$MNT" inodes)
	mkdir "$MNT/shared"
	for i in 0 1 2 3; do
		mkdir "$MNT/own$i"
		zpfs_bg python3 - "$MNT" "$i" <<'PY'
import os, sys
d, w = sys.argv[1], int(sys.argv[2])
names = [os.path.join(d, "own%d" % w, "f%d" % n) for n in range(1250)] + \
        [os.path.join(d, "shared", "w%d_%d" % (w, n)) for n in range(1250)]
for p in names:
    with open(p, "wb") as f:
        f.write(p.encode() * 3)
for p in names:
    with open(p, "rb") as f:
        if f.read() != p.encode() * 3:
            sys.exit("wrong content in " + p)
mine = set(os.path.basename(p) for p in names[1250:])
if not mine <= set(os.listdir(os.path.join(d, "shared"))):
    sys.exit("listing of shared misses files of writer %d" % w)
for p in names:
    os.unlink(p)
PY
	done
	zpfs_bg_wait 180
	zpfs_eq "$(ls -A "$MNT/shared" "$MNT"/own? | grep -c .)" 5 \
		"lines of ls (headers only: every file is gone)"
	rmdir "$MNT/shared" "$MNT"/own?
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" inodes)" "$inodes0" \
		"inodes after rm"'
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" logical_bytes)" 0 \
		"logical_bytes after rm"'
	responsive "$MNT"
}

@test "huge offsets, bad names: errors as tmpfs, daemon unharmed" {
	zpfs_tmpfs
	zpfs_parity '
fd = os.open("f", os.O_CREAT | os.O_RDWR, 0o644)
t(os.pwrite, fd, b"x", 1 << 62)
t(lambda: os.fstat(fd).st_size)
t(os.pread, fd, 10, (1 << 62) - 5)
t(os.pwrite, fd, b"0123456789", (1 << 63) - 5)
t(os.pwrite, fd, b"y", (1 << 63) - 1)
t(os.ftruncate, fd, (1 << 63) - 1)
t(lambda: os.fstat(fd).st_size)
t(os.pread, fd, 16, (1 << 63) - 8)
t(os.pread, fd, 1, -1)
t(os.lseek, fd, (1 << 63) - 1, os.SEEK_SET)
t(os.read, fd, 10)
t(os.ftruncate, fd, 3)
t(os.pread, fd, 10, 0)
os.close(fd)
t(os.mkdir, "n" * 256)
t(os.stat, "/".join(["d"] * 2100))
t(os.open, "x" * 5000, os.O_CREAT)
t(os.symlink, "t" * 5000, "l")
for name in ("a\nb", "\udcff\udcfe", " ", "-", "..." , "a" * 255):
    o(name, os.O_CREAT | os.O_WRONLY)
t(lambda: sorted(os.listdir(".")))
'
	responsive "$MNT"
}

@test "clients killed in the middle of writes" {
	local i pid
	for i in 1 2 3; do
		dd if=/dev/urandom of="$MNT/big$i" bs=1M count=200 status=none \
			3>&- 2>/dev/null &
		pid=$!
		sleep 0.$(( RANDOM % 5 + 1 ))
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	responsive "$MNT"
	# whatever each file holds, it reads to its end and can be removed
	for i in 1 2 3; do
		timeout 30 cat "$MNT/big$i" >/dev/null
	done
	rm -f "$MNT"/big?
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" logical_bytes)" 0 \
		"logical_bytes after rm"'
}

@test "ENOSPC storm: 4 writers fill a small mount again and again" {
	zpfs_umount
	zpfs_mount size=24m
	zpfs_gen_text 2097152 >"$MNT/keep"
	local want i
	want=$(zpfs_sum "$MNT/keep")
	for i in 0 1 2 3; do
		zpfs_bg bash -c '
			for r in 1 2 3 4 5; do
				dd if=/dev/urandom of="$1/fill$2" bs=256k \
					status=none 2>/dev/null
				rm -f "$1/fill$2" || exit 1
			done' storm "$MNT" "$i"
	done
	zpfs_bg python3 - "$MNT" "$want" <<'PY'
import hashlib, os, sys, time
d, want = sys.argv[1], sys.argv[2]
for n in range(40):
    fd = os.open(os.path.join(d, "keep"), os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    data = os.pread(fd, 4 << 20, 0)
    os.close(fd)
    if hashlib.sha256(data).hexdigest() != want:
        sys.exit("keep changed during the storm")
    time.sleep(0.05)
PY
	zpfs_bg_wait 180
	responsive "$MNT"
	(( $(zpfs_xattr "$MNT" nospc) > 0 )) || zpfs_fail "no ENOSPC in the storm"
	zpfs_le "$(zpfs_xattr "$MNT" mem_used)" 25165824 "mem_used"
	zpfs_dropcache "$MNT/keep"
	zpfs_eq "$(zpfs_sum "$MNT/keep")" "$want" "keep after the storm"
	# all the room comes back
	head -c 12M /dev/urandom >"$MNT/after"
	sync "$MNT/after"
	rm "$MNT/after" "$MNT/keep"
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" logical_bytes)" 0 \
		"logical_bytes at the end"'
	zpfs_eventually 'zpfs_eq "$(zpfs_xattr "$MNT" raw_pages)" 0 \
		"raw_pages at the end"'
}
