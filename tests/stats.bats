#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# stats.bats - the statistics: the read-only user.zpoolfs.* extended
# attributes on the mount root and on files (present, plausible, following
# the data, hidden from listxattr, EPERM to set), zpoolfs-stat (table,
# --json, files, errors), and st_blocks / du showing compressed memory.

load helpers

setup() {
	zpfs_setup
	zpfs_mount size=512m
}

teardown() {
	zpfs_teardown
}

POOL_NUMBERS=(logical_bytes compr_bytes mem_used mem_limit same_pages
	comp_pages raw_pages pool_pages meta_bytes nospc inodes max_inodes
	compacted_pages)
FILE_NUMBERS=(logical_bytes stored_bytes compr_bytes same_pages comp_pages
	raw_pages)

# figure PATH NAME: a number, or fail
figure() {
	local v
	v=$(zpfs_xattr "$1" "$2") || zpfs_fail "no user.zpoolfs.$2 on $1" ||
		return 1
	[[ "$v" =~ ^[0-9]+$ ]] || zpfs_fail "user.zpoolfs.$2 on $1: '$v'" ||
		return 1
	echo "$v"
}

@test "pool figures on the root: present and plausible" {
	local n
	for n in "${POOL_NUMBERS[@]}"; do
		figure "$MNT" "$n" >/dev/null
	done
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" zbud "backend"
	zpfs_eq "$(zpfs_xattr "$MNT" compressor)" lz4 "compressor"
	zpfs_eq "$(figure "$MNT" mem_limit)" 536870912 "mem_limit"
	zpfs_eq "$(figure "$MNT" logical_bytes)" 0 "logical_bytes, empty"
	zpfs_eq "$(figure "$MNT" inodes)" 1 "inodes, empty"

	zpfs_gen_text 4194304 >"$MNT/text"
	head -c 1M /dev/urandom >"$MNT/rnd"
	head -c 1M /dev/zero >"$MNT/zero"
	mkdir "$MNT/d"
	sync "$MNT"/text "$MNT/rnd" "$MNT/zero"
	local logical compr mem pool meta same comp raw
	logical=$(figure "$MNT" logical_bytes)
	compr=$(figure "$MNT" compr_bytes)
	mem=$(figure "$MNT" mem_used)
	pool=$(figure "$MNT" pool_pages)
	meta=$(figure "$MNT" meta_bytes)
	same=$(figure "$MNT" same_pages)
	comp=$(figure "$MNT" comp_pages)
	raw=$(figure "$MNT" raw_pages)
	echo "# logical=$logical compr=$compr mem=$mem pool=$pool meta=$meta" \
		"same=$same comp=$comp raw=$raw" >&3
	zpfs_eq "$logical" $(( 6 * 1048576 )) "logical_bytes"
	zpfs_eq "$comp" 1024 "comp_pages"
	zpfs_eq "$raw" 256 "raw_pages"
	zpfs_eq "$same" 256 "same_pages"
	zpfs_eq "$(figure "$MNT" inodes)" 5 "inodes"
	# compressed: the text to well under half, the random as is
	(( compr >= 1048576 && compr < 1048576 + 2097152 )) ||
		zpfs_fail "compr_bytes $compr"
	(( meta > 0 )) || zpfs_fail "meta_bytes $meta"
	# memory = pool pages + raw pages + metadata
	zpfs_eq "$mem" $(( (pool + raw) * 4096 + meta )) "mem_used"
	(( pool * 4096 >= compr - raw * 4096 )) ||
		zpfs_fail "$pool pool pages hold $(( compr - raw * 4096 )) bytes"
	(( mem <= 536870912 )) || zpfs_fail "mem_used $mem > mem_limit"
	zpfs_eq "$(figure "$MNT" nospc)" 0 "nospc"
}

@test "file figures: present, plausible, and summing to the pool's" {
	local n
	zpfs_gen_text 1048576 >"$MNT/f"
	head -c 8192 /dev/urandom >>"$MNT/f"
	head -c 4096 /dev/zero | tr '\0' 'q' >>"$MNT/f"
	truncate -s 10M "$MNT/f"		# and a hole at the end
	sync "$MNT/f"
	for n in "${FILE_NUMBERS[@]}"; do
		figure "$MNT/f" "$n" >/dev/null
	done
	zpfs_eq "$(figure "$MNT/f" logical_bytes)" 10485760 "logical_bytes"
	zpfs_eq "$(figure "$MNT/f" stored_bytes)" $(( 1048576 + 12288 )) \
		"stored_bytes"
	zpfs_eq "$(figure "$MNT/f" comp_pages)" 256 "comp_pages"
	zpfs_eq "$(figure "$MNT/f" raw_pages)" 2 "raw_pages"
	zpfs_eq "$(figure "$MNT/f" same_pages)" 1 "same_pages"
	local compr
	compr=$(figure "$MNT/f" compr_bytes)
	(( compr > 8192 && compr < 8192 + 524288 )) ||
		zpfs_fail "compr_bytes $compr"
	# the pool is the sum of its files
	echo hello >"$MNT/g"
	sync "$MNT/g"
	zpfs_eq "$(figure "$MNT" logical_bytes)" \
		$(( $(figure "$MNT/f" stored_bytes) + $(figure "$MNT/g" stored_bytes) )) \
		"pool logical_bytes = sum of stored_bytes"
	zpfs_eq "$(figure "$MNT" compr_bytes)" \
		$(( compr + $(figure "$MNT/g" compr_bytes) )) \
		"pool compr_bytes = sum of the files'"
	# directories (but the root) and symlinks have none
	mkdir "$MNT/d"
	run getfattr -n user.zpoolfs.logical_bytes "$MNT/d"
	(( status != 0 )) || zpfs_fail "a directory has figures: $output"
	zpfs_match "$output" 'No such attribute' "getfattr on a directory"
	# a file has no pool figures
	run getfattr -n user.zpoolfs.mem_used "$MNT/f"
	(( status != 0 )) || zpfs_fail "a file has pool figures: $output"
}

@test "figures follow overwrite, truncate and unlink" {
	local mem0 pool0
	mem0=$(figure "$MNT" mem_used)
	pool0=$(figure "$MNT" pool_pages)
	zpfs_gen_text 8388608 >"$MNT/f"
	head -c 4M /dev/urandom >"$MNT/r"
	sync "$MNT/f" "$MNT/r"
	(( $(figure "$MNT" mem_used) > mem0 + 4194304 ))
	# overwrite the text with 0xaa: compressed pages become same-filled
	head -c 8M /dev/zero | tr '\0' '\252' |
		dd of="$MNT/f" bs=1M conv=notrunc status=none
	sync "$MNT/f"
	zpfs_eq "$(figure "$MNT/f" comp_pages)" 0 "comp_pages after overwrite"
	zpfs_eq "$(figure "$MNT/f" same_pages)" 2048 "same_pages after overwrite"
	zpfs_eq "$(figure "$MNT/f" compr_bytes)" 0 "compr_bytes after overwrite"
	truncate -s 2M "$MNT/r"
	zpfs_eq "$(figure "$MNT/r" raw_pages)" 512 "raw_pages after truncate"
	zpfs_eq "$(figure "$MNT" raw_pages)" 512 "pool raw_pages after truncate"
	rm "$MNT/f" "$MNT/r"
	local n
	for n in logical_bytes compr_bytes same_pages comp_pages raw_pages; do
		zpfs_eventually 'zpfs_eq "$(figure "$MNT" "$n")" 0 "$n after rm"'
	done
	zpfs_eq "$(figure "$MNT" pool_pages)" "$pool0" "pool_pages after rm"
	zpfs_le "$(figure "$MNT" mem_used)" $(( mem0 + 65536 )) "mem_used after rm"
}

@test "figures are hidden from listxattr; cp -a copies none of them" {
	zpfs_tmpfs
	zpfs_gen_text 100000 >"$MNT/f"
	run getfattr -d -m - "$MNT/f" "$MNT"
	zpfs_eq "$status" 0 "getfattr -d"
	zpfs_eq "$output" "" "getfattr -d -m - on a file and the root"
	run python3 -c 'import os, sys; print(os.listxattr(sys.argv[1]), os.listxattr(sys.argv[2]))' \
		"$MNT/f" "$MNT"
	zpfs_eq "$output" "[] []" "listxattr"
	cp -a "$MNT/f" "$MNT/g"
	cmp "$MNT/f" "$MNT/g"
	cp -a "$MNT/f" "$TMPFS/f"
	zpfs_eq "$(getfattr -d -m - "$TMPFS/f")" "" "xattrs of the copy on tmpfs"
	cp -a "$MNT" "$TMPFS/tree"
	zpfs_eq "$(getfattr -R -d -m - "$TMPFS/tree")" "" "xattrs of cp -a of the root"
	tar -C "$MNT" --xattrs -cf "$TMPFS/t.tar" .
	zpfs_eq "$(tar --xattrs -tvvf "$TMPFS/t.tar" | grep -c zpoolfs)" 0 \
		"zpoolfs xattrs in tar --xattrs"
}

@test "setting or removing a figure gives EPERM" {
	: >"$MNT/f"
	local p n
	for p in "$MNT" "$MNT/f"; do
		for n in logical_bytes compr_bytes newname; do
			run setfattr -n "user.zpoolfs.$n" -v 1 "$p"
			(( status != 0 )) || zpfs_fail "setfattr $n on $p worked"
			zpfs_match "$output" 'Operation not permitted' \
				"setfattr $n on $p"
		done
		run setfattr -x user.zpoolfs.logical_bytes "$p"
		(( status != 0 )) || zpfs_fail "setfattr -x on $p worked"
		zpfs_match "$output" 'Operation not permitted' "setfattr -x on $p"
	done
	zpfs_eq "$(figure "$MNT/f" logical_bytes)" 0 "logical_bytes unchanged"
	run zpfs_py "$MNT" '
t(os.setxattr, "f", "user.zpoolfs.raw_pages", b"5")
t(os.setxattr, "f", "user.zpoolfs.raw_pages", b"5", os.XATTR_REPLACE)
t(os.setxattr, ".", "user.zpoolfs.backend", b"x", os.XATTR_CREATE)
t(os.removexattr, ".", "user.zpoolfs.backend")'
	zpfs_eq "$output" $'EPERM\nEPERM\nEPERM\nEPERM' "setxattr/removexattr"
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" zbud "backend unchanged"
}

@test "zpoolfs-stat MOUNT prints a table with a header and the ratio" {
	zpfs_gen_text 4194304 >"$MNT/f"
	sync "$MNT/f"
	run --separate-stderr "$ZPOOLFS_STAT" "$MNT"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	echo "$output" | sed 's/^/# /' >&3
	zpfs_eq "${#lines[@]}" 2 "lines of the table"
	zpfs_match "${lines[0]}" '^MOUNTPOINT +BACKEND +COMP +DATA +COMPR +MEM +LIMIT +RATIO ' \
		"header"
	read -r -a row <<<"${lines[1]}"
	zpfs_eq "${row[0]}" "$MNT" "MOUNTPOINT"
	zpfs_eq "${row[1]}" zbud "BACKEND"
	zpfs_eq "${row[2]}" lz4 "COMP"
	zpfs_eq "${row[3]}" 4.0M "DATA"
	zpfs_eq "${row[6]}" 512.0M "LIMIT"
	# text compresses (zbud holds at most 2 pages in one): a ratio over 1.5
	zpfs_match "${row[7]}" '^[0-9]+\.[0-9]{2}$' "RATIO"
	awk -v r="${row[7]}" 'BEGIN { exit !(r > 1.5) }' ||
		zpfs_fail "ratio ${row[7]} for text"
	# --bytes gives plain numbers
	run --separate-stderr "$ZPOOLFS_STAT" --bytes "$MNT"
	read -r -a row <<<"${lines[1]}"
	zpfs_eq "${row[3]}" 4194304 "DATA with --bytes"
	# without arguments: every zpoolfs mount, ours among them
	# (status 1 only for other zpoolfs mounts on the machine that do not
	# answer, such as a dead daemon's)
	run --separate-stderr "$ZPOOLFS_STAT"
	if (( status != 0 )); then
		zpfs_eq "$status" 1 "zpoolfs-stat without arguments"
		! grep -qF "$MNT" <<<"$stderr" ||
			zpfs_fail "zpoolfs-stat without arguments: $stderr"
		echo "# other mounts failed: $stderr" >&3
	fi
	grep -q "^$MNT " <<<"$output" || zpfs_fail "our mount is not listed"
}

@test "zpoolfs-stat --json parses and has the figures" {
	zpfs_gen_text 1048576 >"$MNT/f"
	sync "$MNT/f"
	run --separate-stderr "$ZPOOLFS_STAT" --json "$MNT" "$MNT/f"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	python3 -m json.tool <<<"$output" >/dev/null ||
		zpfs_fail "not JSON: $output"
	run python3 -c '
import json, sys
d = json.load(sys.stdin)
pool, f = d
print(pool["mountpoint"] == sys.argv[1], pool["backend"], pool["compressor"],
      pool["mem_limit"], pool["logical_bytes"], pool["ratio"] > 1,
      pool["transport"] == sys.argv[2])
print(f["file"] == sys.argv[1] + "/f", f["logical_bytes"], f["stored_bytes"],
      f["comp_pages"], f["compr_bytes"] < 524288)' "$MNT" \
		"$(zpfs_xattr "$MNT" transport)" <<<"$output"
	zpfs_eq "$output" "True zbud lz4 536870912 1048576 True True
True 1048576 1048576 256 True" "figures in the JSON"
}

@test "zpoolfs-stat FILE prints the file's figures" {
	head -c 1M /dev/urandom >"$MNT/rnd"
	sync "$MNT/rnd"
	run --separate-stderr "$ZPOOLFS_STAT" --bytes "$MNT/rnd"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	echo "$output" | sed 's/^/# /' >&3
	zpfs_match "${lines[0]}" '^FILE +SIZE +DATA +COMPR +RATIO +SAME +COMP +RAW$' \
		"header"
	read -r -a row <<<"${lines[1]}"
	zpfs_eq "${row[*]}" "$MNT/rnd 1048576 1048576 1048576 1.00 0 0 256" "row"
}

@test "zpoolfs-stat on a path that is not on zpoolfs fails with one line" {
	local p
	for p in /tmp / "$TEST_TMP/nonexistent"; do
		run --separate-stderr "$ZPOOLFS_STAT" "$p"
		zpfs_eq "$status" 1 "exit status for $p"
		zpfs_eq "${#stderr_lines[@]}" 1 "lines on stderr for $p: $stderr"
		zpfs_match "$stderr" '^zpoolfs-stat: ' "message for $p"
	done
	# a good and a bad path: the good one is printed, the status is 1
	run --separate-stderr "$ZPOOLFS_STAT" "$MNT" /tmp
	zpfs_eq "$status" 1 "exit status for a mix"
	grep -q "^$MNT " <<<"$output" || zpfs_fail "the good path was not printed"
	run --separate-stderr "$ZPOOLFS_STAT" --no-such-option
	zpfs_eq "$status" 1 "bad option"
	zpfs_eq "${#stderr_lines[@]}" 1 "lines on stderr for a bad option"
}

@test "du shows compressed memory, du --apparent-size the data; st_blocks" {
	zpfs_gen_text 8388608 >"$MNT/text"
	head -c 4M /dev/urandom >"$MNT/rnd"
	head -c 4M /dev/zero | tr '\0' '\252' >"$MNT/same"
	sync "$MNT/text" "$MNT/rnd" "$MNT/same"
	local du app f compr blocks
	du=$(du -k "$MNT/text" | cut -f1)
	app=$(du -k --apparent-size "$MNT/text" | cut -f1)
	echo "# text: du $du KiB, apparent $app KiB" >&3
	zpfs_eq "$app" 8192 "du --apparent-size"
	(( du * 2 < app )) || zpfs_fail "du $du KiB is not under half of $app KiB"
	for f in text rnd same; do
		compr=$(figure "$MNT/$f" compr_bytes)
		blocks=$(stat -c %b "$MNT/$f")
		zpfs_eq "$blocks" $(( (compr + 511) / 512 )) "st_blocks of $f"
	done
	zpfs_eq "$(stat -c %b "$MNT/same")" 0 "st_blocks of same-filled data"
	zpfs_eq "$(du -k "$MNT/rnd" | cut -f1)" 4096 "du of random data"
	# the whole mount
	du=$(du -sk "$MNT" | cut -f1)
	app=$(du -sk --apparent-size "$MNT" | cut -f1)
	(( du < app )) || zpfs_fail "du -s $du KiB >= apparent $app KiB"
}

@test "pool_stats on the root: the back end's figures, 'pages' first" {
	zpfs_gen_text 1048576 >"$MNT/f"
	sync "$MNT/f"
	local text
	text=$(zpfs_xattr "$MNT" pool_stats)
	echo "$text" | sed 's/^/# /' >&3
	# zbud reports its pages only
	zpfs_eq "$text" "pages $(figure "$MNT" pool_pages)" "pool_stats of zbud"
	# every line "key number"; the value ends in a newline
	run getfattr --absolute-names --only-values -n user.zpoolfs.pool_stats \
		"$MNT"
	zpfs_eq "$output" "pages $(figure "$MNT" pool_pages)" "raw value"
	zpfs_eq "$(getfattr --absolute-names --only-values \
		-n user.zpoolfs.pool_stats "$MNT" | od -An -c | tr -d ' ' | tail -c 3)" \
		'\n' "last character"
	# not on files, not listed
	run getfattr -n user.zpoolfs.pool_stats "$MNT/f"
	(( status != 0 )) || zpfs_fail "a file has pool_stats: $output"
	zpfs_match "$output" 'No such attribute' "pool_stats on a file"
	zpfs_eq "$(getfattr -d -m - "$MNT")" "" "listxattr of the root"
	zpfs_eq "$(figure "$MNT" compacted_pages)" 0 "compacted_pages"
}

@test "pool_stats of z3fold and zsmalloc: their own keys" {
	local b dir
	for b in z3fold zsmalloc; do
		dir=$TEST_TMP/$b
		zpfs_mount_at "$dir" "backend=$b,size=256m"
		zpfs_gen_text 2097152 >"$dir/f"
		sync "$dir/f"
		local text
		text=$(zpfs_xattr "$dir" pool_stats)
		zpfs_match "$text" $'^pages [0-9]+\n' "$b: pages first"
		zpfs_eq "$(head -n1 <<<"$text")" "pages $(figure "$dir" pool_pages)" \
			"$b: pages = pool_pages"
		awk 'NF != 2 || $1 !~ /^[a-z0-9_]+$/ || $2 !~ /^[0-9]+$/ { exit 1 }' \
			<<<"$text" || zpfs_fail "$b: malformed pool_stats: $text"
		local k
		if [[ $b == z3fold ]]; then
			for k in objects pages_1_object pages_2_objects \
				 pages_3_objects moves pages_uncompacted; do
				grep -q "^$k [0-9]*$" <<<"$text" ||
					zpfs_fail "z3fold: no $k in $text"
			done
		else
			for k in objects zspages zspage_pages handle_pages \
				 meta_bytes pages_compacted objects_moved \
				 auto_compactions; do
				grep -q "^$k [0-9]*$" <<<"$text" ||
					zpfs_fail "zsmalloc: no $k in $text"
			done
			grep -Eq '^class_[0-9]+_objects [1-9][0-9]*$' <<<"$text" ||
				zpfs_fail "zsmalloc: no size class in use: $text"
		fi
		zpfs_eq "$(awk '$1 == "objects" { print $2 }' <<<"$text")" \
			"$(figure "$dir" comp_pages)" "$b: objects = comp_pages"
	done
}

@test "user.zpoolfs.compact: '1' on the root only, never stored or listed" {
	: >"$MNT/f"
	mkdir "$MNT/d"
	setfattr -n user.zpoolfs.compact -v 1 "$MNT"
	run zpfs_py "$MNT" '
t(os.setxattr, ".", "user.zpoolfs.compact", b"1")
t(os.setxattr, ".", "user.zpoolfs.compact", b"1\n")
t(os.setxattr, ".", "user.zpoolfs.compact", b"0")
t(os.setxattr, ".", "user.zpoolfs.compact", b"")
t(os.setxattr, ".", "user.zpoolfs.compact", b"11")
t(os.setxattr, ".", "user.zpoolfs.compact", b"yes")
t(os.setxattr, "f", "user.zpoolfs.compact", b"1")
t(os.setxattr, "d", "user.zpoolfs.compact", b"1")
t(os.getxattr, ".", "user.zpoolfs.compact")
t(os.removexattr, ".", "user.zpoolfs.compact")'
	zpfs_eq "$output" $'ok\nok\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nEPERM\nEPERM\nENODATA\nEPERM' \
		"the control"
	zpfs_eq "$(getfattr -d -m - "$MNT")" "" "listxattr of the root"
	zpfs_eq "$(figure "$MNT" compacted_pages)" 0 "zbud compacts nothing"
}

@test "user.zpoolfs.compact: the root's owner and root may, others not" {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	(( EUID == 0 )) || skip "needs root to act as two other users"
	local dir=$TEST_TMP/o
	# root owned by 4321, the default sticky mode 1777; others may enter
	zpfs_mount_at "$dir" "uid=4321,gid=4321,allow_other"
	chmod 755 "$TEST_TMP"
	as() {
		local u=$1
		shift
		setpriv --reuid="$u" --regid="$u" --clear-groups "$@"
	}
	run as 4321 setfattr -n user.zpoolfs.compact -v 1 "$dir"
	zpfs_eq "$status" 0 "the owner: $output"
	run as 5678 setfattr -n user.zpoolfs.compact -v 1 "$dir"
	(( status != 0 )) || zpfs_fail "another user compacted"
	zpfs_match "$output" 'Operation not permitted' "another user"
	run as 5678 "$ZPOOLFS_STAT" --compact "$dir"
	zpfs_eq "$status" 1 "zpoolfs-stat --compact as another user"
	zpfs_match "$output" "^zpoolfs-stat: $dir: cannot compact: Operation not permitted" \
		"zpoolfs-stat --compact as another user"
	setfattr -n user.zpoolfs.compact -v 1 "$dir"
}

@test "zpoolfs-stat --pool and --json show the back end's figures" {
	local dir=$TEST_TMP/zs
	zpfs_mount_at "$dir" "backend=zsmalloc,size=256m"
	zpfs_gen_text 2097152 >"$dir/f"
	sync "$dir/f"
	run --separate-stderr "$ZPOOLFS_STAT" --pool "$dir" "$MNT"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	echo "$output" | sed 's/^/# /' >&3
	zpfs_match "${lines[0]}" '^MOUNTPOINT ' "the table first"
	grep -qx "$dir: zsmalloc" <<<"$output" || zpfs_fail "no zsmalloc section"
	grep -qx "$MNT: zbud" <<<"$output" || zpfs_fail "no zbud section"
	grep -Eq '^  objects +[0-9]+$' <<<"$output" || zpfs_fail "no objects line"
	grep -Eq '^  class_[0-9]+_pages +[0-9]+$' <<<"$output" ||
		zpfs_fail "no class line"
	# without --pool: the table alone
	run --separate-stderr "$ZPOOLFS_STAT" "$dir"
	zpfs_eq "${#lines[@]}" 2 "lines without --pool"
	run --separate-stderr "$ZPOOLFS_STAT" --json "$dir" "$dir/f"
	zpfs_eq "$status" 0 "--json exit status (stderr: $stderr)"
	run python3 -c '
import json, sys
pool, f = json.load(sys.stdin)
p = pool["pool"]
print(p["pages"] == pool["pool_pages"], p["objects"] == pool["comp_pages"],
      sum(v for k, v in p.items() if k.endswith("_objects")) == p["objects"],
      "pool" in f, pool["compacted_pages"])' <<<"$output"
	zpfs_eq "$output" "True True True False 0" "the pool object in the JSON"
}

@test "zpoolfs-stat --compact: pages freed per mount; errors" {
	run --separate-stderr "$ZPOOLFS_STAT" --compact "$MNT"
	zpfs_eq "$status" 0 "exit status (stderr: $stderr)"
	zpfs_eq "$output" "$MNT: 0 pages freed (0B)" "output for zbud"
	: >"$MNT/f"
	run --separate-stderr "$ZPOOLFS_STAT" --compact "$MNT/f"
	zpfs_eq "$status" 1 "--compact on a file"
	zpfs_match "$stderr" '^zpoolfs-stat: .*not a mount point' "message"
	run --separate-stderr "$ZPOOLFS_STAT" --compact /tmp
	zpfs_eq "$status" 1 "--compact on /tmp"
	zpfs_eq "${#stderr_lines[@]}" 1 "lines on stderr"
}
