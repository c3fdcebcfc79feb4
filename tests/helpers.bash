# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# helpers.bash - what every mounted test (tests/*.bats) shares.
#
# Each test gets a private directory (mktemp -d) and, through zpfs_mount, one
# or more zpoolfs daemons started in the foreground (-f) in the background of
# the test's shell, each with its own log file. teardown() takes everything
# down again and is strict about it, in the manner of sshfs's test/conftest.py
# and libfuse's output checker: every daemon must leave on a plain
# `fusermount3 -u` and exit 0, and its log must have no line matching
# "error" or "warning" (minus an allow-list), so that a test which passes
# while the daemon complains, crashes or leaks under ASan still fails.
#
# Environment (set by tests/meson.build; the defaults fit a build in
# ./build for running `bats tests/io.bats` by hand):
#
#   ZPOOLFS		the daemon
#   ZPOOLFS_STAT	the zpoolfs-stat tool
#   ZPOOLFS_BUILD	the build root
#   ZPFS_RANDOPS	the random-operation checker (tests/randops.c)
#   TEST_SEED		seed for every randomised test (printed when used)
#   ZPFS_MOUNT_TIMEOUT	seconds to wait for a mount or an exit (default 20)
#   ZPFS_TRANSPORT	"dev" (default): the kernel's FUSE over io_uring is
#			switched off for each test, requests come through
#			/dev/fuse; "uring": it is switched on (the test is
#			skipped on a kernel without it, or when not root) and
#			every mount is checked to use it. The setting
#			(/sys/module/fuse/parameters/enable_uring) is put
#			back after each test.
#
# The API, for the .bats files (each function says more where it is):
#
#   zpfs_setup			make $TEST_TMP; skip without a usable FUSE
#   zpfs_teardown		undo everything; fails on a bad daemon exit
#   zpfs_mount [OPTS]		mount at $TEST_TMP/mnt, sets $MNT
#   zpfs_mount_at DIR [OPTS [ARGS]]  one more mount (ARGS: -s, -d, ...;
#				$ZPFS_SOURCE: the source, default zpoolfs)
#   zpfs_umount [DIR]		unmount cleanly now and check the daemon
#   zpfs_expect_exit [DIR]	the daemon stops by itself (signal, umount)
#   zpfs_pid, zpfs_log [DIR]	a daemon's pid and log file
#   zpfs_mounted DIR		is DIR a zpoolfs mount (from /proc/mounts)
#   zpfs_daemon_pids DIR	zpoolfs processes serving DIR (background ones)
#   zpfs_wait_gone DIR		wait until none is left
#   zpfs_tmpfs			a tmpfs for parity tests, sets $TMPFS
#   zpfs_bg CMD...		a background job that teardown reaps
#   zpfs_bg_wait [SECONDS]	wait for the jobs; fail if one failed
#   zpfs_xattr PATH NAME	the value of user.zpoolfs.NAME
#   zpfs_py DIR CODE		run python CODE in DIR (helpers: t, o, rd, ...)
#   zpfs_parity CODE		run CODE on $MNT/p and $TMPFS/p, compare
#   zpfs_parity_is CODE WANT	the same, and the output must be WANT
#   zpfs_dropcache FILE...	drop the page cache of files (reads go to us)
#   zpfs_dropcache_tree DIR	the same for every file below DIR
#   zpfs_sum FILE		its sha256
#   zpfs_seed			$TEST_SEED or a new seed, printed
#   zpfs_gen_text BYTES		compressible text
#   zpfs_eq GOT WANT [WHAT]	assert equality with a readable message
#   zpfs_le A B [WHAT]		assert A <= B
#   zpfs_match STR ERE [WHAT]	assert a match
#   zpfs_eventually CODE	an assertion that may need a moment (FUSE
#				releases files asynchronously)
#   zpfs_fail MSG		fail with a message

bats_require_minimum_version 1.5.0

# A hung daemon must not hang the suite: bats kills a test after this long
# and still runs its teardown.
: "${BATS_TEST_TIMEOUT:=300}"

ZPOOLFS_BUILD=${ZPOOLFS_BUILD:-$BATS_TEST_DIRNAME/../build}
ZPOOLFS=${ZPOOLFS:-$ZPOOLFS_BUILD/fs/zpoolfs}
ZPOOLFS_STAT=${ZPOOLFS_STAT:-$ZPOOLFS_BUILD/fs/zpoolfs-stat}
ZPFS_RANDOPS=${ZPFS_RANDOPS:-$ZPOOLFS_BUILD/tests/zpfs-randops}
ZPFS_MOUNT_TIMEOUT=${ZPFS_MOUNT_TIMEOUT:-20}
ZPFS_SRCDIR=$(cd "$BATS_TEST_DIRNAME/.." && pwd)

# Log lines matching this (extended regex, case-insensitive) are not taken
# as the daemon complaining. Tests that provoke a message on purpose append
# to it with "|pattern".
ZPFS_LOG_ALLOW='^$'

# ---------------------------------------------------------------------------
# assertions
# ---------------------------------------------------------------------------

zpfs_fail() {
	printf '%s\n' "FAIL: $*" >&2
	return 1
}

# zpfs_eq GOT WANT [WHAT]
zpfs_eq() {
	[[ "$1" == "$2" ]] && return 0
	printf 'FAIL: %s\n  got:  %q\n  want: %q\n' "${3:-value}" "$1" "$2" >&2
	return 1
}

# zpfs_le A B [WHAT]: integers, A <= B
zpfs_le() {
	(( $1 <= $2 )) && return 0
	printf 'FAIL: %s: %s is not <= %s\n' "${3:-value}" "$1" "$2" >&2
	return 1
}

# zpfs_eventually CODE: eval CODE (an assertion) until it holds, for up to
# 5 s, then once more for its message. For what FUSE makes asynchronous:
# the kernel sends RELEASE after close() has returned (and FORGET when it
# pleases), so memory that a file's last close frees, or an unlink after
# a recent close, may show in the figures a moment later than on tmpfs.
zpfs_eventually() {
	local i
	for ((i = 0; i < 50; i++)); do
		eval "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	eval "$1"
}

# zpfs_match STRING ERE [WHAT]
zpfs_match() {
	[[ "$1" =~ $2 ]] && return 0
	printf 'FAIL: %s\n  got:  %q\n  does not match: %s\n' \
		"${3:-value}" "$1" "$2" >&2
	return 1
}

# ---------------------------------------------------------------------------
# mounts
# ---------------------------------------------------------------------------

ZPFS_DIRS=()	# mount points of the daemons started with zpfs_mount*
ZPFS_PIDS=()	# their pids (children of the test's shell)
ZPFS_LOGS=()	# their logs
ZPFS_DONE=()	# 1 for the daemons unmounted and checked already
ZPFS_BG=()	# zpfs_bg jobs
ZPFS_TMPFS=()	# tmpfs mounts
ZPFS_RM=()	# files outside $TEST_TMP that teardown removes

# zpfs_mounted DIR [FSTYPE]: is DIR a mount point of FSTYPE (fuse.zpoolfs)?
# Reads /proc/self/mounts: stat() on a wedged FUSE mount would hang.
zpfs_mounted() {
	awk -v d="$1" -v t="${2:-fuse.zpoolfs}" \
		'$2 == d && $3 == t { f = 1 } END { exit !f }' /proc/self/mounts
}

# zpfs_mounts_below DIR: every mount point at or below DIR, deepest first.
zpfs_mounts_below() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' \
		/proc/self/mounts | sort -r
}

zpfs_setup() {
	TEST_TMP=
	if [[ ! -c /dev/fuse ]] || ! { true <>/dev/fuse; } 2>/dev/null; then
		skip "/dev/fuse is missing or cannot be opened"
	fi
	if ! command -v fusermount3 >/dev/null; then
		skip "fusermount3 is not installed"
	fi
	[[ -x "$ZPOOLFS" ]] || zpfs_fail "ZPOOLFS=$ZPOOLFS is not executable" ||
		return 1
	zpfs_transport_setup
	TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zpfs-test.XXXXXX")
	MNT=$TEST_TMP/mnt
	TMPFS=
}

ZPFS_URING_PARAM=/sys/module/fuse/parameters/enable_uring
ZPFS_URING_OLD=

# zpfs_transport_setup: switch the kernel's FUSE over io_uring on or off
# for this test, as ZPFS_TRANSPORT says; zpfs_teardown puts it back.
zpfs_transport_setup() {
	ZPFS_URING_OLD=
	if [[ -w $ZPFS_URING_PARAM ]]; then
		ZPFS_URING_OLD=$(<"$ZPFS_URING_PARAM")
	fi
	case ${ZPFS_TRANSPORT:-dev} in
	uring)
		[[ -n $ZPFS_URING_OLD ]] ||
			skip "no FUSE over io_uring to switch on ($ZPFS_URING_PARAM)"
		echo Y >"$ZPFS_URING_PARAM" ;;
	dev)
		[[ -z $ZPFS_URING_OLD ]] || echo N >"$ZPFS_URING_PARAM" ;;
	*)
		zpfs_fail "ZPFS_TRANSPORT=$ZPFS_TRANSPORT: dev or uring" ;;
	esac
}

# zpfs_transport_check DIR OPTS [ARGS...]: under ZPFS_TRANSPORT=uring, a
# mount that may take io_uring (no uring=off, no -s) must have.
zpfs_transport_check() {
	local dir=$1 opts=$2
	shift 2
	[[ ${ZPFS_TRANSPORT:-dev} == uring ]] || return 0
	[[ ,$opts, != *,uring=off,* && " $* " != *" -s "* ]] || return 0
	zpfs_eventually '[[ $(zpfs_xattr "$dir" transport) == io_uring ]]' ||
		zpfs_fail "$dir: transport $(zpfs_xattr "$dir" transport), not io_uring"
}

# zpfs_start DIR OPTS [ARGS...]: start a foreground daemon on DIR, with
# -o OPTS and ARGS (-s, -d, ...) and the source $ZPFS_SOURCE (default
# zpoolfs); no waiting.
zpfs_start() {
	local dir=$1 opts=$2 log
	shift 2
	log=$TEST_TMP/zpoolfs.${#ZPFS_LOGS[@]}.log
	mkdir -p "$dir"
	# A non-interactive shell starts background jobs with SIGINT and
	# SIGQUIT ignored, and libfuse leaves an ignored signal alone: give
	# the daemon the defaults back, as an interactive shell would.
	env --default-signal=INT,QUIT "$ZPOOLFS" -f "$@" ${opts:+-o "$opts"} \
		"${ZPFS_SOURCE:-zpoolfs}" "$dir" </dev/null >"$log" 2>&1 3>&- &
	ZPFS_DIRS+=("$dir")
	ZPFS_PIDS+=("$!")
	ZPFS_LOGS+=("$log")
}

# zpfs_index DIR [all]: the index in ZPFS_* of the daemon of DIR that
# still runs (with "all": the last one started, running or not), or fail.
zpfs_index() {
	local i
	for ((i = ${#ZPFS_DIRS[@]} - 1; i >= 0; i--)); do
		[[ "${ZPFS_DIRS[i]}" == "$1" ]] || continue
		[[ -n "${2:-}" || -z "${ZPFS_DONE[i]:-}" ]] || continue
		echo "$i"
		return 0
	done
	return 1
}

# zpfs_log [DIR]: the log of DIR's daemon (default $MNT).
zpfs_log() {
	local i
	i=$(zpfs_index "${1:-$MNT}" all) || return 1
	echo "${ZPFS_LOGS[i]}"
}

# zpfs_pid [DIR]: the pid of DIR's daemon (default $MNT).
zpfs_pid() {
	local i
	i=$(zpfs_index "${1:-$MNT}" all) || return 1
	echo "${ZPFS_PIDS[i]}"
}

# zpfs_wait_mounted DIR PID LOG: wait until DIR is mounted; fail with the
# log when the daemon exits first or on the timeout.
zpfs_wait_mounted() {
	local dir=$1 pid=$2 log=$3 i
	for ((i = 0; i < ZPFS_MOUNT_TIMEOUT * 20; i++)); do
		zpfs_mounted "$dir" && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" 2>/dev/null
			echo "FAIL: zpoolfs exited ($?) before mounting $dir; log:" >&2
			sed 's/^/  | /' "$log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "FAIL: $dir not mounted after ${ZPFS_MOUNT_TIMEOUT}s; log:" >&2
	sed 's/^/  | /' "$log" >&2
	return 1
}

# zpfs_mount_at DIR [OPTS [ARGS...]]: mount zpoolfs -o OPTS ARGS on DIR,
# wait for it.
zpfs_mount_at() {
	local dir=$1 opts=${2:-}
	shift
	shift || true
	zpfs_start "$dir" "$opts" "$@"
	zpfs_wait_mounted "$dir" "${ZPFS_PIDS[-1]}" "${ZPFS_LOGS[-1]}" &&
		zpfs_transport_check "$dir" "$opts" "$@"
}

# zpfs_mount [OPTS]: mount at $TEST_TMP/mnt ($MNT).
zpfs_mount() {
	MNT=$TEST_TMP/mnt
	zpfs_mount_at "$MNT" "${1:-}"
}

# zpfs_wait_exit PID [SECONDS]: wait (bounded, by default for
# ZPFS_MOUNT_TIMEOUT) for a process to end; its exit status
# (if it is a child of this shell) is left in ZPFS_STATUS. Returns 1 on the
# timeout. Not in a $(...): a subshell cannot wait for our children.
zpfs_wait_exit() {
	local pid=$1 secs=${2:-$ZPFS_MOUNT_TIMEOUT} i
	ZPFS_STATUS=
	for ((i = 0; i < secs * 20; i++)); do
		# Gone, or a zombie (kill -0 still works on those): reap it.
		if ! kill -0 "$pid" 2>/dev/null ||
		   [[ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" == Z ]]; then
			wait "$pid" 2>/dev/null
			ZPFS_STATUS=$?
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# zpfs_unmount_dir DIR: unmount DIR as politely as works; print how.
zpfs_unmount_dir() {
	local dir=$1 i
	for ((i = 0; i < 10; i++)); do
		zpfs_mounted "$dir" || { echo clean; return 0; }
		timeout 10 fusermount3 -u "$dir" 2>/dev/null && {
			echo clean
			return 0
		}
		sleep 0.2	# EBUSY: a process of the test is still closing
	done
	timeout 10 fusermount3 -uz "$dir" 2>/dev/null && { echo lazy; return 0; }
	timeout 10 umount -l "$dir" 2>/dev/null && { echo forced; return 0; }
	echo failed
	return 1
}

# zpfs_check_log LOG: no "error" or "warning" lines but the allowed ones.
zpfs_check_log() {
	local bad
	bad=$(grep -Eai 'error|warning' "$1" | grep -Evai "$ZPFS_LOG_ALLOW") ||
		return 0
	echo "FAIL: the daemon complained in $1:" >&2
	sed 's/^/  | /' "$1" >&2
	return 1
}

# zpfs_finish INDEX: unmount one daemon, wait for it and check it.
zpfs_finish() {
	local i=$1 dir pid log how status ret=0
	dir=${ZPFS_DIRS[i]} pid=${ZPFS_PIDS[i]} log=${ZPFS_LOGS[i]}
	how=$(zpfs_unmount_dir "$dir") || ret=1
	if [[ "$how" != clean ]]; then
		echo "FAIL: fusermount3 -u $dir did not work (unmount: $how)" >&2
		ret=1
	fi
	if ! zpfs_wait_exit "$pid"; then
		echo "FAIL: the daemon of $dir did not exit; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		zpfs_wait_exit "$pid"
		ret=1
	fi
	status=$ZPFS_STATUS
	if [[ "$status" != 0 ]]; then
		echo "FAIL: the daemon of $dir exited with status $status; log:" >&2
		sed 's/^/  | /' "$log" >&2
		ret=1
	elif ! zpfs_check_log "$log"; then
		ret=1
	fi
	ZPFS_DONE[i]=1
	return $ret
}

# zpfs_umount [DIR]: unmount DIR (default $MNT) now, require a clean exit.
zpfs_umount() {
	local i
	i=$(zpfs_index "${1:-$MNT}") || zpfs_fail "not mounted: ${1:-$MNT}" ||
		return 1
	zpfs_finish "$i"
}

# zpfs_daemon_pids DIR: pids of the zpoolfs processes whose command line
# names DIR (daemons that went to the background, or that mount(8) started).
zpfs_daemon_pids() {
	local p a args
	for p in /proc/[0-9]*; do
		mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
		[[ "${args[0]:-}" == *zpoolfs ]] || continue
		for a in "${args[@]:1}"; do
			[[ "$a" == "$1" ]] || continue
			echo "${p#/proc/}"
			break
		done
	done
	return 0
}

# zpfs_wait_gone DIR: wait (bounded) until no zpoolfs process names DIR.
zpfs_wait_gone() {
	local i
	for ((i = 0; i < ZPFS_MOUNT_TIMEOUT * 10; i++)); do
		[[ -z "$(zpfs_daemon_pids "$1")" ]] && return 0
		sleep 0.1
	done
	zpfs_fail "a zpoolfs daemon for $1 is still running:" \
		"$(zpfs_daemon_pids "$1")"
}

# zpfs_expect_exit [DIR]: the daemon of DIR (default $MNT), started with
# zpfs_mount*, is expected to stop by itself (a signal, umount): wait for
# it, require exit status 0, a clean log and no mount left.
zpfs_expect_exit() {
	local dir=${1:-$MNT} i
	i=$(zpfs_index "$dir") || zpfs_fail "no daemon for $dir" || return 1
	if ! zpfs_wait_exit "${ZPFS_PIDS[i]}"; then
		zpfs_fail "the daemon of $dir did not exit"
		return 1
	fi
	ZPFS_DONE[i]=1
	if [[ "$ZPFS_STATUS" != 0 ]]; then
		echo "FAIL: the daemon of $dir exited with status $ZPFS_STATUS;" \
			"log:" >&2
		sed 's/^/  | /' "${ZPFS_LOGS[i]}" >&2
		return 1
	fi
	zpfs_check_log "${ZPFS_LOGS[i]}" || return 1
	! zpfs_mounted "$dir" || zpfs_fail "$dir is still mounted"
}

# zpfs_tmpfs: a fresh tmpfs at $TEST_TMP/tmpfs ($TMPFS), for parity tests and
# as a reference. Without root, a directory in /dev/shm stands in.
zpfs_tmpfs() {
	TMPFS=$TEST_TMP/tmpfs
	mkdir -p "$TMPFS"
	if [[ $EUID -eq 0 ]]; then
		mount -t tmpfs -o size=4g,mode=1777 zpfs-test "$TMPFS" ||
			return 1
		ZPFS_TMPFS+=("$TMPFS")
	elif [[ "$(stat -f -c %T /dev/shm 2>/dev/null)" == tmpfs ]]; then
		TMPFS=$(mktemp -d /dev/shm/zpfs-test.XXXXXX)
	else
		skip "no tmpfs to compare with (not root, no /dev/shm)"
	fi
}

# zpfs_bg CMD...: run CMD in the background; teardown kills it if need be.
# The pid is in $ZPFS_BG_PID. Reap with zpfs_bg_wait.
zpfs_bg() {
	# <&0: keep our stdin (a here-document, say); a background job
	# would get /dev/null instead
	"$@" <&0 3>&- &
	ZPFS_BG_PID=$!
	ZPFS_BG+=("$ZPFS_BG_PID")
}

# zpfs_bg_wait [SECONDS]: wait for every zpfs_bg job, each for at most
# SECONDS (default 120); fail if any failed.
zpfs_bg_wait() {
	local pid ret=0
	for pid in "${ZPFS_BG[@]}"; do
		[[ -n "$pid" ]] || continue
		if ! zpfs_wait_exit "$pid" "${1:-120}"; then
			echo "FAIL: background job $pid still running" >&2
			ret=1
			continue
		fi
		if [[ "$ZPFS_STATUS" != 0 ]]; then
			echo "FAIL: background job $pid exited $ZPFS_STATUS" >&2
			ret=1
		fi
	done
	ZPFS_BG=()
	return $ret
}

zpfs_teardown() {
	local i ret=0 pid dir
	[[ -n "${TEST_TMP:-}" && -d "$TEST_TMP" ]] || return 0

	for pid in "${ZPFS_BG[@]}"; do
		[[ -n "$pid" ]] || continue
		kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	ZPFS_BG=()
	for dir in "${ZPFS_RM[@]}"; do
		rm -f -- "$dir"
	done
	ZPFS_RM=()

	for ((i = ${#ZPFS_DIRS[@]} - 1; i >= 0; i--)); do
		[[ -z "${ZPFS_DONE[i]:-}" ]] || continue
		zpfs_finish "$i" || ret=1
	done
	for dir in "${ZPFS_TMPFS[@]}"; do
		timeout 10 umount "$dir" || timeout 10 umount -l "$dir" || ret=1
	done
	ZPFS_TMPFS=()
	[[ "${TMPFS:-}" == /dev/shm/zpfs-test.* ]] && rm -rf "$TMPFS"

	# Anything a test mounted itself and left behind (fstab, background
	# daemons) is a failure too, after it is cleaned up.
	while read -r dir; do
		[[ -n "$dir" ]] || continue
		echo "FAIL: $dir was left mounted" >&2
		if zpfs_mounted "$dir"; then
			zpfs_unmount_dir "$dir" >/dev/null
		else
			timeout 10 umount "$dir" 2>/dev/null ||
				timeout 10 umount -l "$dir"
		fi
		ret=1
	done < <(zpfs_mounts_below "$TEST_TMP")

	if [[ -z "$(zpfs_mounts_below "$TEST_TMP")" ]]; then
		rm -rf --one-file-system "$TEST_TMP"
	else
		echo "FAIL: mounts remain below $TEST_TMP; not removing it" >&2
		ret=1
	fi
	[[ -z $ZPFS_URING_OLD ]] || echo "$ZPFS_URING_OLD" >"$ZPFS_URING_PARAM"
	return $ret
}

# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

# zpfs_xattr PATH NAME: the value of user.zpoolfs.NAME on PATH.
zpfs_xattr() {
	getfattr --absolute-names --only-values -n "user.zpoolfs.$2" "$1"
}

# zpfs_dropcache FILE...: flush and drop the kernel's cached pages of the
# files, so that the next reads come from the daemon.
zpfs_dropcache() {
	local f
	for f in "$@"; do
		sync "$f" &&
			dd if="$f" iflag=nocache count=0 status=none || return 1
	done
}

# zpfs_dropcache_tree DIR: zpfs_dropcache for every regular file below DIR.
zpfs_dropcache_tree() {
	python3 - "$1" <<'PY'
import os, sys
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        p = os.path.join(root, name)
        if os.path.islink(p):
            continue
        fd = os.open(p, os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}

# zpfs_sum FILE: its sha256.
zpfs_sum() {
	sha256sum <"$1" | cut -d' ' -f1
}

# zpfs_seed: $TEST_SEED or a fresh seed; printed (bats shows it on failure).
zpfs_seed() {
	local s=${TEST_SEED:-$(( (RANDOM << 30) ^ (RANDOM << 15) ^ RANDOM ))}
	echo "# seed $s (set TEST_SEED=$s to replay)" >&2
	echo "$s"
}

# zpfs_py DIR CODE: run python3 CODE with DIR as the working directory.
# CODE sees os, errno, sys, stat and:
#   t(fn, *args)	call fn; print "ok", its result, or the errno name
#   o(path, flags[, mode])  open and close; the result or errno, as t()
#   rd(path)		a file's contents (bytes)
#   wr(path, data)	write a file
#   drop(path)		fsync and drop its cached pages (reads go to us)
#   sha(data)		a short sha256 of bytes
ZPFS_PY_PRELUDE='
import errno, os, stat, sys
os.chdir(sys.argv[1])
def _show(r):
    if r is None:
        return "ok"
    if isinstance(r, bytes):
        return repr(r)
    return str(r)
def t(fn, *args):
    try:
        print(_show(fn(*args)))
    except OSError as e:
        print(errno.errorcode.get(e.errno, e.errno))
def _open_close(path, flags, mode=0o644):
    os.close(os.open(path, flags, mode))
def o(path, flags, mode=0o644):
    t(_open_close, path, flags, mode)
def rd(path):
    with open(path, "rb") as f:
        return f.read()
def wr(path, data):
    with open(path, "wb") as f:
        f.write(data)
def drop(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
def sha(data):
    import hashlib
    return hashlib.sha256(data).hexdigest()[:16]
'
zpfs_py() {
	local dir=$1 code=$2
	python3 -c "$ZPFS_PY_PRELUDE
$code" "$dir"
}

# zpfs_parity CODE: run CODE (see zpfs_py) in a fresh directory on the mount
# ($MNT/p) and on a tmpfs ($TMPFS/p); fail with both outputs when they
# differ, else print the output for further checks.
zpfs_parity() {
	local code=$1 out_z out_t
	if [[ -z "${TMPFS:-}" ]]; then
		# in a subshell ($(...), run) the tmpfs would not be
		# recorded for teardown
		(( BASH_SUBSHELL == 0 )) ||
			zpfs_fail "zpfs_parity in a subshell: call zpfs_tmpfs first" ||
			return 1
		zpfs_tmpfs || return 1
	fi
	rm -rf "$MNT/p" "$TMPFS/p"
	mkdir "$MNT/p" "$TMPFS/p"
	out_z=$(zpfs_py "$MNT/p" "$code" 2>&1)
	out_t=$(zpfs_py "$TMPFS/p" "$code" 2>&1)
	if [[ "$out_z" != "$out_t" ]]; then
		echo "FAIL: zpoolfs and tmpfs differ:" >&2
		diff <(echo "$out_t") <(echo "$out_z") |
			sed 's/^</  tmpfs  /; s/^>/  zpoolfs/' >&2
		return 1
	fi
	printf '%s\n' "$out_z"
}

# zpfs_parity_is CODE EXPECTED: parity, and the output is EXPECTED.
zpfs_parity_is() {
	local out
	[[ -n "${TMPFS:-}" ]] || zpfs_tmpfs || return 1
	out=$(zpfs_parity "$1") || return 1
	zpfs_eq "$out" "$2" "output of: $1"
}

# zpfs_gen_text BYTES: compressible text on stdout (numbers and words).
zpfs_gen_text() {
	seq -f 'line %g of the zpoolfs test data, compressible' 1 10000000 |
		head -c "$1"
}
