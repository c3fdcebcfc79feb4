#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# options.bats - the command line and the mount: --help and -V, every
# zpoolfs option and what it does, every kind of bad input (one line on
# stderr, a non-zero exit, nothing mounted), going to the background,
# every way of stopping the daemon, fstab and mount -t through mount.fuse3,
# and the agreement of --help, the man page and the option table.

load helpers

setup() {
	zpfs_setup
}

teardown() {
	zpfs_teardown
}

ZPFS_OPTIONS=(backend compressor size nr_inodes mode uid gid cache uring)

project_version() {
	sed -n "s/^[[:space:]]*version: '\([^']*\)',.*/\1/p" \
		"$ZPFS_SRCDIR/meson.build" | head -n 1
}

ram_bytes() {
	echo $(( $(getconf _PHYS_PAGES) * $(getconf PAGESIZE) ))
}

# statfs_total DIR: f_blocks * f_frsize, the size df shows.
statfs_total() {
	stat -f -c '%b %S' "$1" | awk '{ printf "%.0f\n", $1 * $2 }'
}

# near A B PERMILLE: |A - B| <= B * PERMILLE / 1000
near() {
	local d=$(( $1 > $2 ? $1 - $2 : $2 - $1 ))
	(( d * 1000 <= $2 * $3 )) && return 0
	zpfs_fail "$1 is not within ${3}/1000 of $2"
}

# expect_bad ARGS...: zpoolfs ARGS fails with exactly one line on stderr
# that starts with "zpoolfs:", a non-zero status, and nothing mounted.
# The message is left in $stderr for further checks.
expect_bad() {
	mkdir -p "$MNT"
	run --separate-stderr timeout 20 "$ZPOOLFS" "$@"
	if (( status == 0 || status == 124 )); then
		zpfs_fail "zpoolfs $* exited with status $status" \
			"(stderr: $stderr)"
		return 1
	fi
	zpfs_eq "${#stderr_lines[@]}" 1 "lines on stderr for zpoolfs $*:
$stderr
--
number of lines"
	zpfs_match "$stderr" '^zpoolfs: .+' "the message of zpoolfs $*"
	zpfs_eq "$(zpfs_mounts_below "$TEST_TMP")" "" "mounts after zpoolfs $*"
	zpfs_eq "$(zpfs_daemon_pids "$MNT")" "" "daemons left by zpoolfs $*"
}

# ---------------------------------------------------------------------------
# --help, --version, the man page
# ---------------------------------------------------------------------------

@test "--help lists every zpoolfs option with its default" {
	local opt line
	for arg in --help -h; do
		run --separate-stderr timeout 10 "$ZPOOLFS" "$arg"
		zpfs_eq "$status" 0 "exit status of zpoolfs $arg"
		zpfs_match "$output" 'usage: zpoolfs .*mountpoint' "usage line"
		for opt in "${ZPFS_OPTIONS[@]}"; do
			line=$(grep -E -- "-o $opt=" <<<"$output") ||
				zpfs_fail "--help does not list $opt=" || return 1
			zpfs_match "$line" 'default' "the --help line of $opt="
		done
		# the FUSE options too, and the built-in back end
		zpfs_match "$output" 'allow_other' "--help: FUSE options"
		zpfs_match "$output" 'zbud' "--help: back ends"
	done
}

@test "-V and --version print the version" {
	local v
	v=$(project_version)
	[[ -n "$v" ]]
	for arg in -V --version; do
		run --separate-stderr timeout 10 "$ZPOOLFS" "$arg"
		zpfs_eq "$status" 0 "exit status of zpoolfs $arg"
		zpfs_match "${lines[0]}" "^zpoolfs (version )?$v\$" \
			"first line of zpoolfs $arg"
	done
}

# c_words FILE ARRAY: the strings of "static const char *const ARRAY[]".
c_words() {
	sed -n "/ $2\[\] = {/,/};/p" "$1" | grep -oE '"[^"]*"' | tr -d '"'
}

# rst_section FILE TITLE: the lines of the man page section TITLE, up to the
# next title (a line followed by an underline).
rst_section() {
	awk -v t="$2" '
		prev == t && /^[-=]+$/ { on = 1; prev = $0; next }
		on && /^[-=]+$/ { exit }
		on && prev != "" { print prev }
		{ prev = $0 }' "$1"
}

@test "--help, the man page and the option table list the same options" {
	local man=$ZPFS_SRCDIR/man/zpoolfs.8.rst main=$ZPFS_SRCDIR/fs/main.c
	local help_opts man_opts man_all table_opts accepted
	[[ -s "$man" ]] || zpfs_fail "$man is missing or empty"

	run --separate-stderr timeout 10 "$ZPOOLFS" --help
	zpfs_eq "$status" 0 "zpoolfs --help"
	# --help: the "-o name=" lines between "zpoolfs options:" and the
	# FUSE part
	help_opts=$(sed -n '/^zpoolfs options:/,/^FUSE options:/p' <<<"$output" |
		grep -oE -- '^[[:space:]]+-o [a-z_]+=' |
		sed -E 's/^[[:space:]]+-o //; s/=$//' | sort -u)
	# the fuse_opt table: "name=%s" templates of ZPOOLFS_OPT()
	table_opts=$(grep -oE 'ZPOOLFS_OPT\("[a-z_]+=' "$main" |
		sed 's/.*("//; s/=//' | sort -u)
	# the man page: the "-o name=" items of its "zpoolfs options" section
	man_opts=$(rst_section "$man" "zpoolfs options" |
		grep -oE -- '^-o [a-z_]+=' | sed -E 's/^-o //; s/=$//' | sort -u)

	zpfs_eq "$help_opts" "$(printf '%s\n' "${ZPFS_OPTIONS[@]}" | sort)" \
		"the zpoolfs options of --help"
	zpfs_eq "$table_opts" "$help_opts" "the option table of fs/main.c"
	zpfs_eq "$man_opts" "$help_opts" "the zpoolfs options of the man page"

	# Every other option the man page names is one the daemon accepts:
	# libfuse's (as --help or main.c's list has them) or mount(8)'s.
	man_all=$( { grep -oE -- '-o [a-z_]+' "$man" | cut -c4-
		rst_section "$man" "Mount options" |
			grep -oE '\*\*[a-z_]+=?\*\*' | tr -d '*='; } |
		grep -vx zpoolfs | sort -u)
	accepted=$( { printf '%s\n' "${ZPFS_OPTIONS[@]}"
		grep -oE -- '-o [a-z_]+' <<<"$output" | cut -c4-
		c_words "$main" fuse_words | sed 's/=$//'
		c_words "$main" mount_words | sed 's/=$//'; } | sort -u)
	zpfs_eq "$(comm -23 <(echo "$man_all") <(echo "$accepted"))" "" \
		"options in the man page that zpoolfs does not accept"
}

@test "every flag in the man page's \"Mount options\" is accepted" {
	local man=$ZPFS_SRCDIR/man/zpoolfs.8.rst flags
	flags=$(rst_section "$man" "Mount options" |
		grep -oE '\*\*[a-z_]+=?\*\*' | tr -d '*' |
		grep -vx zpoolfs |
		sed 's/=$/=x/' | paste -sd, -)
	[[ -n "$flags" ]] || zpfs_fail "no flags found in the man page"
	echo "# -o $flags" >&3
	zpfs_mount "$flags,x-test=1,size=64m"
	stat "$MNT" >/dev/null
	ls "$MNT"
}

# ---------------------------------------------------------------------------
# bad input: one line on stderr, non-zero exit, nothing mounted
# ---------------------------------------------------------------------------

@test "bad input: unknown option" {
	expect_bad -o frobnicate=1 zpoolfs "$MNT"
	zpfs_match "$stderr" 'frobnicate' "names the option"
	expect_bad -o size=64m,nosuchflag zpoolfs "$MNT"
	expect_bad --no-such-switch zpoolfs "$MNT"
}

@test "bad input: size=abc" {
	expect_bad -o size=abc zpoolfs "$MNT"
	zpfs_match "$stderr" 'abc'
}

@test "bad input: size=0" {
	expect_bad -o size=0 zpoolfs "$MNT"
}

@test "bad input: size=1x" {
	expect_bad -o size=1x zpoolfs "$MNT"
}

@test "bad input: size=99999999999999999999 (overflow)" {
	expect_bad -o size=99999999999999999999 zpoolfs "$MNT"
	expect_bad -o size=99999999999999g zpoolfs "$MNT"
	expect_bad -o size=-1 zpoolfs "$MNT"
	expect_bad -o size= zpoolfs "$MNT"
}

@test "bad input: unknown back end lists the available ones" {
	expect_bad -o backend=nosuch zpoolfs "$MNT"
	zpfs_match "$stderr" 'nosuch' "names the bad back end"
	zpfs_match "$stderr" 'zbud' "lists the available back ends"
}

@test "bad input: unknown compressor" {
	expect_bad -o compressor=gzip zpoolfs "$MNT"
	zpfs_match "$stderr" 'gzip'
	expect_bad -o compressor= zpoolfs "$MNT"
}

@test "bad input: compressor=lz4hc:99 (level out of range)" {
	expect_bad -o compressor=lz4hc:99 zpoolfs "$MNT"
	expect_bad -o compressor=lz4hc:x zpoolfs "$MNT"
}

@test "bad input: bad nr_inodes, mode, uid, gid" {
	expect_bad -o nr_inodes=abc zpoolfs "$MNT"
	expect_bad -o mode=999 zpoolfs "$MNT"
	expect_bad -o mode=17777 zpoolfs "$MNT"
	expect_bad -o uid=no_such_user_zpfs zpoolfs "$MNT"
	expect_bad -o gid=no_such_group_zpfs zpoolfs "$MNT"
	expect_bad -o cache=sometimes zpoolfs "$MNT"
	zpfs_match "$stderr" 'sometimes'
	expect_bad -o cache= zpoolfs "$MNT"
	expect_bad -o uring=on zpoolfs "$MNT"
	zpfs_match "$stderr" 'uring'
}

@test "bad input: missing mount point" {
	expect_bad
	expect_bad -o size=64m
	expect_bad -f
}

@test "bad input: too many arguments" {
	expect_bad zpoolfs "$MNT" "$MNT"
}

@test "bad input: mount point is not a directory" {
	: >"$TEST_TMP/file"
	expect_bad zpoolfs "$TEST_TMP/file"
}

@test "bad input: mount point does not exist" {
	expect_bad zpoolfs "$TEST_TMP/nonexistent"
	expect_bad -f zpoolfs "$TEST_TMP/nonexistent"
}

# ---------------------------------------------------------------------------
# each option works
# ---------------------------------------------------------------------------

@test "defaults: zbud, lz4, half of RAM, root 1777 owned by the caller" {
	zpfs_mount
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" zbud "backend"
	zpfs_eq "$(zpfs_xattr "$MNT" compressor)" lz4 "compressor"
	near "$(zpfs_xattr "$MNT" mem_limit)" $(( $(ram_bytes) / 2 )) 10
	near "$(statfs_total "$MNT")" $(( $(ram_bytes) / 2 )) 10
	zpfs_eq "$(stat -c '%a %u %g' "$MNT")" "1777 $(id -u) $(id -g)" \
		"mode, uid, gid of the root"
}

@test "backend=zbud" {
	zpfs_mount backend=zbud
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" zbud "backend"
	zpfs_gen_text 1000000 >"$MNT/f"
	zpfs_dropcache "$MNT/f"
	zpfs_eq "$(zpfs_sum "$MNT/f")" "$(zpfs_gen_text 1000000 | sha256sum |
		cut -d' ' -f1)" "data through zbud"
	local pool
	pool=$(zpfs_xattr "$MNT" pool_pages)
	(( pool > 0 )) || zpfs_fail "pool_pages is $pool after a write"
}

@test "compressor=lz4, lz4hc, lz4hc:12, none" {
	local c dir bytes comp raw
	local -A got
	for c in lz4 lz4hc lz4hc:12 none; do
		dir=$TEST_TMP/m-${c/:/-}
		zpfs_mount_at "$dir" "compressor=$c"
		case $c in
		lz4hc) zpfs_match "$(zpfs_xattr "$dir" compressor)" \
				'^lz4hc:[0-9]+$' "compressor=lz4hc" ;;
		*) zpfs_eq "$(zpfs_xattr "$dir" compressor)" "$c" \
				"compressor=$c" ;;
		esac
		zpfs_gen_text 2097152 >"$dir/f"
		sync "$dir/f"
		zpfs_dropcache "$dir/f"
		zpfs_eq "$(zpfs_sum "$dir/f")" "$(zpfs_gen_text 2097152 |
			sha256sum | cut -d' ' -f1)" "data with compressor=$c"
		bytes=$(zpfs_xattr "$dir/f" compr_bytes)
		comp=$(zpfs_xattr "$dir/f" comp_pages)
		raw=$(zpfs_xattr "$dir/f" raw_pages)
		got[$c]=$bytes
		echo "# compressor=$c: compr_bytes=$bytes comp=$comp raw=$raw" >&3
		if [[ $c == none ]]; then
			zpfs_eq "$comp" 0 "comp_pages with compressor=none"
			zpfs_eq "$raw" 512 "raw_pages with compressor=none"
		else
			zpfs_eq "$comp" 512 "comp_pages with compressor=$c"
			zpfs_le "$bytes" $(( 2097152 / 2 )) "compr_bytes, $c"
		fi
	done
	zpfs_le "${got[lz4hc:12]}" "${got[lz4]}" "lz4hc:12 vs lz4"
	zpfs_le "${got[lz4hc]}" "${got[lz4]}" "lz4hc vs lz4"
}

@test "size=64m limits df and gives ENOSPC" {
	zpfs_mount size=64m
	zpfs_eq "$(zpfs_xattr "$MNT" mem_limit)" 67108864 "mem_limit"
	near "$(statfs_total "$MNT")" 67108864 2
	near "$(df -B1 --output=size "$MNT" | tail -n 1)" 67108864 2
	run --separate-stderr timeout 60 dd if=/dev/urandom of="$MNT/fill" \
		bs=1M count=100 conv=fsync
	(( status != 0 )) || zpfs_fail "writing 100 MiB into size=64m worked"
	zpfs_match "$stderr" 'No space left on device' "dd's error"
	zpfs_le "$(stat -c %s "$MNT/fill")" 67108864 "size of the full file"
	zpfs_le "$(zpfs_xattr "$MNT" mem_used)" 67108864 "mem_used when full"
	(( $(zpfs_xattr "$MNT" nospc) > 0 )) || zpfs_fail "nospc stayed 0"
	# df: nearly all of it used
	local free
	free=$(stat -f -c '%a %S' "$MNT" | awk '{ printf "%.0f", $1 * $2 }')
	zpfs_le "$free" $(( 8 * 1048576 )) "free space when full"
}

@test "size=10% of RAM, size=1G, size=1048576k" {
	zpfs_mount_at "$TEST_TMP/a" size=10%
	near "$(zpfs_xattr "$TEST_TMP/a" mem_limit)" $(( $(ram_bytes) / 10 )) 2
	near "$(statfs_total "$TEST_TMP/a")" $(( $(ram_bytes) / 10 )) 2
	zpfs_mount_at "$TEST_TMP/b" size=1G
	zpfs_eq "$(zpfs_xattr "$TEST_TMP/b" mem_limit)" 1073741824 "size=1G"
	zpfs_mount_at "$TEST_TMP/c" size=1048576k
	zpfs_eq "$(zpfs_xattr "$TEST_TMP/c" mem_limit)" 1073741824 \
		"size=1048576k"
}

@test "nr_inodes=100 gives ENOSPC at about the 100th file" {
	zpfs_mount nr_inodes=100
	zpfs_eq "$(stat -f -c %c "$MNT")" 100 "statfs f_files"
	run zpfs_py "$MNT" '
n = 0
while n < 1000:
    try:
        os.close(os.open("f%d" % n, os.O_CREAT | os.O_WRONLY, 0o644))
    except OSError as e:
        print(n, errno.errorcode[e.errno])
        break
    n += 1
else:
    print(n, "no error")'
	zpfs_eq "$status" 0 "python"
	local n=${output% *} err=${output#* }
	zpfs_eq "$err" ENOSPC "error after $n files"
	(( n >= 90 && n <= 100 )) || zpfs_fail "ENOSPC after $n files"
	zpfs_eq "$(stat -f -c %d "$MNT")" 0 "free inodes when full"
	# mkdir and symlink count too; removing a file makes room again, once
	# the kernel has forgotten the inode (FORGET comes after the unlink,
	# when the kernel pleases)
	run zpfs_py "$MNT" 't(os.mkdir, "d"); t(os.symlink, "x", "l")'
	zpfs_eq "$output" $'ENOSPC\nENOSPC' "mkdir, symlink when full"
	rm "$MNT/f0"
	zpfs_eventually ': >"$MNT/again"' || zpfs_fail "no room after rm"
}

@test "mode=0700,uid=1234,gid=5678 and uid=/gid= by name" {
	zpfs_mount_at "$TEST_TMP/a" mode=0700,uid=1234,gid=5678
	zpfs_eq "$(stat -c '%a %u %g' "$TEST_TMP/a")" "700 1234 5678" "root"
	zpfs_mount_at "$TEST_TMP/b" mode=1755,uid=nobody,gid=nogroup
	zpfs_eq "$(stat -c '%a %U %G' "$TEST_TMP/b")" "1755 nobody nogroup" \
		"root with names"
}

@test "mount(8) and FUSE options are accepted" {
	zpfs_mount_at "$TEST_TMP/a" \
		rw,nodev,nosuid,noexec,noatime,auto,nofail,_netdev,x-systemd.requires=x,allow_other,max_threads=4,clone_fd,size=64m
	local opts
	opts=$(awk -v d="$TEST_TMP/a" '$2 == d { print $4 }' /proc/self/mounts)
	zpfs_match "$opts" '(^|,)nosuid(,|$)' "mount flags: $opts"
	zpfs_match "$opts" '(^|,)nodev(,|$)' "mount flags: $opts"
	zpfs_match "$opts" '(^|,)noexec(,|$)' "mount flags: $opts"
	zpfs_match "$opts" '(^|,)allow_other(,|$)' "mount flags: $opts"
	echo data >"$TEST_TMP/a/f"
	zpfs_eq "$(cat "$TEST_TMP/a/f")" data
}

@test "-s (single thread) and -d (debug) work" {
	zpfs_mount_at "$TEST_TMP/a" size=64m -s
	seq 1 100000 >"$TEST_TMP/a/f"
	zpfs_eq "$(tail -n 1 "$TEST_TMP/a/f")" 100000 "-s: data"

	zpfs_mount_at "$TEST_TMP/b" "" -d
	: >"$TEST_TMP/b/f"
	! ls "$TEST_TMP/b/nonexistent" 2>/dev/null || zpfs_fail "ls of a missing file worked"
	# -d logs every request; failed lookups show as "error: -2"
	ZPFS_LOG_ALLOW+='|error: -[0-9]+'
	zpfs_umount "$TEST_TMP/b"
	grep -q 'LOOKUP' "$(zpfs_log "$TEST_TMP/b")" ||
		zpfs_fail "-d logged no requests"
}

@test "uring: io_uring when the kernel offers it, /dev/fuse with uring=off or -s" {
	local want=dev
	[[ -w $ZPFS_URING_PARAM && $(<"$ZPFS_URING_PARAM") == Y ]] &&
		want=io_uring
	zpfs_mount_at "$TEST_TMP/a" size=64m
	zpfs_eventually '[[ $(zpfs_xattr "$TEST_TMP/a" transport) == "$want" ]]' ||
		zpfs_fail "default: transport $(zpfs_xattr "$TEST_TMP/a" transport), want $want"
	zpfs_mount_at "$TEST_TMP/b" size=64m,uring=off
	zpfs_mount_at "$TEST_TMP/c" size=64m -s
	local d
	for d in a b c; do
		seq 1 200000 >"$TEST_TMP/$d/f"
		zpfs_dropcache "$TEST_TMP/$d/f"
		zpfs_eq "$(tail -n 1 "$TEST_TMP/$d/f")" 200000 "$d: data"
	done
	zpfs_eq "$(zpfs_xattr "$TEST_TMP/b" transport)" dev "uring=off"
	zpfs_eq "$(zpfs_xattr "$TEST_TMP/c" transport)" dev "-s"
}

# rss_of PID: its VmRSS in kB
rss_of() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

@test "an idle daemon gives back the request buffers it touched" {
	zpfs_mount_at "$TEST_TMP/a" size=64m
	local pid busy rss i dir
	pid=$(zpfs_pid "$TEST_TMP/a")
	# 1 MiB WRITEs, then 1 MiB READs (zeros: same-filled pages, no pool
	# memory) fill a request buffer, then a reply buffer (/dev/fuse), or
	# the payload of a ring entry (io_uring); the RSS is read right after
	# each burst, long before the daemon counts as idle (a second)
	for dir in write read; do
		busy=0
		for ((i = 0; i < 5; i++)); do
			if [[ $dir == write ]]; then
				dd if=/dev/zero of="$TEST_TMP/a/f" bs=1M count=4 \
					oflag=direct conv=notrunc status=none
			else
				dd if="$TEST_TMP/a/f" of=/dev/null bs=1M \
					iflag=direct status=none
			fi
			rss=$(rss_of "$pid")
			((rss > busy)) && busy=$rss
		done
		zpfs_eventually '(( $(rss_of "$pid") <= busy - 768 ))' ||
			zpfs_fail "after ${dir}s: RSS $(rss_of "$pid") kB idle, $busy kB busy"
	done
	# and the buffers still work: data written after the release reads back
	seq 1 300000 | dd of="$TEST_TMP/a/g" bs=1M iflag=fullblock status=none
	zpfs_dropcache "$TEST_TMP/a/g"
	zpfs_eq "$(seq 1 300000 | md5sum)" "$(md5sum <"$TEST_TMP/a/g")" "data"
}

# ---------------------------------------------------------------------------
# background, signals, unmounting
# ---------------------------------------------------------------------------

@test "without -f the daemon goes to the background, mount already live" {
	mkdir -p "$MNT"
	run --separate-stderr timeout 20 "$ZPOOLFS" -o size=64m zpoolfs "$MNT"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	zpfs_eq "$stderr$output" "" "output of zpoolfs"
	# no waiting: the mount must be there when the command returns
	zpfs_mounted "$MNT" || zpfs_fail "not mounted when zpoolfs returned"
	echo hello >"$MNT/f"
	zpfs_eq "$(cat "$MNT/f")" hello
	local pids
	pids=$(zpfs_daemon_pids "$MNT")
	[[ -n "$pids" ]] || zpfs_fail "no daemon process found"
	zpfs_eq "$(wc -w <<<"$pids")" 1 "daemon processes"
	# it is not a child of ours: the command that started it is gone
	[[ "$(awk '{ print $4 }' "/proc/$pids/stat")" != "$$" ]] ||
		zpfs_fail "the daemon is still a child of the shell"
	timeout 10 fusermount3 -u "$MNT"
	zpfs_wait_gone "$MNT"
	! zpfs_mounted "$MNT" || zpfs_fail "still mounted after fusermount3 -u"
}

@test "a background daemon logs to syslog, starting with what it mounted" {
	mkdir -p "$MNT"
	local got=$TEST_TMP/syslog.txt start
	start=$(date +%s)
	if [[ -e /dev/log ]]; then
		# a syslog daemon is there: its journal must have the line
		command -v journalctl >/dev/null ||
			skip "/dev/log belongs to a syslog daemon without a journal"
		timeout 20 "$ZPOOLFS" -o size=64m zpoolfs "$MNT" ||
			zpfs_fail "mount failed"
		zpfs_eventually 'journalctl -q -t zpoolfs --since "@$start" -o cat |
			grep -qF "$MNT mounted: backend=zbud,compressor=lz4,size=65536k"' ||
			zpfs_fail "no line in the journal"
	else
		# none: stand in for it, on /dev/log, until the test ends
		ZPFS_RM+=(/dev/log)
		zpfs_bg python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(20)
with open(sys.argv[1], "ab", buffering=0) as out:
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
' "$got"
		zpfs_eventually '[[ -S /dev/log ]]' || zpfs_fail "no /dev/log"
		timeout 20 "$ZPOOLFS" -o size=64m zpoolfs "$MNT" ||
			zpfs_fail "mount failed"
		zpfs_eventually 'grep -qE "zpoolfs\[[0-9]+\]: $MNT mounted: backend=zbud,compressor=lz4,size=65536k" "$got"' ||
			zpfs_fail "syslog got: $(cat "$got" 2>/dev/null)"
	fi
	timeout 10 fusermount3 -u "$MNT"
	zpfs_wait_gone "$MNT"
}

@test "SIGTERM ends the daemon cleanly" {
	zpfs_mount
	echo x >"$MNT/f"
	kill -TERM "$(zpfs_pid)"
	zpfs_expect_exit
}

@test "SIGINT ends the daemon cleanly" {
	zpfs_mount
	echo x >"$MNT/f"
	kill -INT "$(zpfs_pid)"
	zpfs_expect_exit
}

@test "SIGHUP ends the daemon cleanly" {
	zpfs_mount
	echo x >"$MNT/f"
	kill -HUP "$(zpfs_pid)"
	zpfs_expect_exit
}

@test "umount ends the daemon cleanly" {
	[[ $EUID -eq 0 ]] || skip "umount of a FUSE mount needs root"
	zpfs_mount
	echo x >"$MNT/f"
	timeout 10 umount "$MNT"
	zpfs_expect_exit
}

@test "fusermount3 -u ends the daemon cleanly" {
	zpfs_mount
	echo x >"$MNT/f"
	timeout 10 fusermount3 -u "$MNT"
	zpfs_expect_exit
}

@test "SIGTERM to a background daemon unmounts" {
	mkdir -p "$MNT"
	timeout 20 "$ZPOOLFS" zpoolfs "$MNT"
	zpfs_mounted "$MNT"
	local pid
	pid=$(zpfs_daemon_pids "$MNT")
	kill -TERM "$pid"
	zpfs_wait_gone "$MNT"
	! zpfs_mounted "$MNT" || zpfs_fail "still mounted after SIGTERM"
}

# ---------------------------------------------------------------------------
# /proc/mounts, fstab, mount -t
# ---------------------------------------------------------------------------

@test "/proc/mounts shows fuse.zpoolfs with the source given" {
	zpfs_mount
	zpfs_eq "$(awk -v d="$MNT" '$2 == d { print $1, $3 }' /proc/self/mounts)" \
		"zpoolfs fuse.zpoolfs" "source and type"
	zpfs_eq "$(stat -f -c %t "$MNT")" 65735546 "statfs f_type (FUSE)"
	# a source of one's own, as mount(8) passes it
	ZPFS_SOURCE=scratch zpfs_mount_at "$TEST_TMP/b"
	zpfs_eq "$(awk -v d="$TEST_TMP/b" '$2 == d { print $1, $3 }' \
		/proc/self/mounts)" "scratch fuse.zpoolfs" "custom source"
}

# in_mount_ns SCRIPT: run the bash SCRIPT (with the helpers' assertions and
# $MNT) as root in a private mount namespace whose /usr/local/sbin holds
# only a link to the zpoolfs under test. mount(8) gives its helpers no PATH,
# so mount.fuse3 runs "zpoolfs" through /bin/sh with the default one: this
# way it finds the build's daemon, and the machine stays untouched. The
# daemon lives in the namespace; the script's exit trap stops it whatever
# happens.
in_mount_ns() {
	[[ $EUID -eq 0 ]] || skip "mount(8) with fstab or -t needs root"
	command -v mount.fuse3 >/dev/null || skip "mount.fuse3 is not installed"
	command -v unshare >/dev/null || skip "unshare is not installed"
	local bin=$TEST_TMP/bin ns=$TEST_TMP/ns.sh
	mkdir -p "$bin" "$MNT"
	ln -sf "$ZPOOLFS" "$bin/zpoolfs"
	{
		declare -f zpfs_mounted zpfs_eq zpfs_le zpfs_match zpfs_fail \
			zpfs_xattr zpfs_daemon_pids zpfs_wait_gone
		cat <<-'EOF'
		set -eu
		bin=$1 MNT=$2 ZPFS_MOUNT_TIMEOUT=$3 TEST_TMP=$4
		cleanup() {
			local p
			for p in $(zpfs_daemon_pids "$MNT"); do
				kill -KILL "$p" 2>/dev/null || true
			done
			! zpfs_mounted "$MNT" || umount -l "$MNT"
		}
		trap cleanup EXIT
		mount --bind "$bin" /usr/local/sbin
		EOF
		echo "$1"
	} >"$ns"
	timeout 120 unshare -m --propagation private \
		bash "$ns" "$bin" "$MNT" "$ZPFS_MOUNT_TIMEOUT" "$TEST_TMP"
}

@test "fstab line: mount --fstab FILE MNT, umount MNT" {
	in_mount_ns '
	printf "zpoolfs %s fuse.zpoolfs %s 0 0\n" "$MNT" \
		backend=zbud,size=1G,allow_other,noatime,nodev,nosuid \
		>"$TEST_TMP/fstab"
	timeout 20 mount --fstab "$TEST_TMP/fstab" "$MNT"
	zpfs_mounted "$MNT" || zpfs_fail "mount --fstab did not mount"
	opts=$(awk -v d="$MNT" '\''$2 == d { print $1, $3, $4 }'\'' /proc/self/mounts)
	zpfs_match "$opts" "^zpoolfs fuse.zpoolfs " "/proc/mounts: $opts"
	for o in nosuid nodev noatime allow_other; do
		zpfs_match "$opts" "[ ,]$o(,|\$)" "$o in: $opts"
	done
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" zbud "backend"
	zpfs_eq "$(zpfs_xattr "$MNT" mem_limit)" 1073741824 "size=1G"
	seq 1 10000 >"$MNT/f"
	zpfs_eq "$(wc -l <"$MNT/f")" 10000 "data"
	[[ -n "$(zpfs_daemon_pids "$MNT")" ]] || zpfs_fail "no daemon"
	timeout 10 umount "$MNT"
	zpfs_wait_gone "$MNT"
	! zpfs_mounted "$MNT" || zpfs_fail "still mounted after umount"
	'
}

@test "mount -t fuse.zpoolfs zpoolfs MNT -o size=1G" {
	in_mount_ns '
	timeout 20 mount -t fuse.zpoolfs zpoolfs "$MNT" -o size=1G
	zpfs_mounted "$MNT" || zpfs_fail "mount -t did not mount"
	zpfs_eq "$(zpfs_xattr "$MNT" mem_limit)" 1073741824 "size=1G"
	echo hello >"$MNT/f"
	zpfs_eq "$(cat "$MNT/f")" hello "data"
	timeout 10 umount "$MNT"
	zpfs_wait_gone "$MNT"
	! zpfs_mounted "$MNT" || zpfs_fail "still mounted after umount"
	'
}

@test "mount -t with a bad option fails with zpoolfs' message, mounts nothing" {
	in_mount_ns '
	st=0
	err=$(timeout 20 mount -t fuse.zpoolfs zpoolfs "$MNT" -o size=abc 2>&1) ||
		st=$?
	(( st != 0 )) || zpfs_fail "mount -o size=abc worked"
	zpfs_match "$err" "^zpoolfs: .*size" "the message"
	! zpfs_mounted "$MNT" || zpfs_fail "mounted"
	'
}
