#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only
#
# backends.bats - every zpool back end behind a mount: zbud, z3fold and
# zsmalloc each hold a real tree (/usr/include) byte for byte, keep their
# figures consistent (the pool's pages, mem_used, the back end's own
# user.zpoolfs.pool_stats), give every pool page back when the tree is
# removed, and answer the compaction control (user.zpoolfs.compact,
# zpoolfs-stat --compact): zsmalloc frees pages after a churn of deletions,
# zbud and z3fold free none by it (they free pages as they empty) and say
# so without an error.

load helpers

# A tree of real files, large enough for the figures to settle.
TREE=/usr/include

setup() {
	zpfs_setup
	[[ -d "$TREE" ]] || skip "$TREE is missing"
}

teardown() {
	zpfs_teardown
}

# figure NAME: a number from the root of $MNT, or fail
figure() {
	local v
	v=$(zpfs_xattr "$MNT" "$1") || zpfs_fail "no user.zpoolfs.$1" ||
		return 1
	[[ "$v" =~ ^[0-9]+$ ]] || zpfs_fail "user.zpoolfs.$1: '$v'" ||
		return 1
	echo "$v"
}

# pool_stat KEY: one figure of user.zpoolfs.pool_stats, or fail
pool_stat() {
	local v
	v=$(zpfs_xattr "$MNT" pool_stats | awk -v k="$1" '$1 == k { print $2 }')
	[[ "$v" =~ ^[0-9]+$ ]] ||
		zpfs_fail "pool_stats has no $1: $(zpfs_xattr "$MNT" pool_stats)" ||
		return 1
	echo "$v"
}

# copy_tree BACKEND: mount, copy $TREE in, compare, check the figures.
copy_tree() {
	local backend=$1 pool mem meta raw compr
	zpfs_mount "backend=$backend,size=2g"
	zpfs_eq "$(zpfs_xattr "$MNT" backend)" "$backend" "backend"
	cp -a "$TREE" "$MNT/tree"
	sync -f "$MNT/tree"
	zpfs_dropcache_tree "$MNT/tree"
	diff -r --no-dereference "$TREE" "$MNT/tree" ||
		zpfs_fail "the copy on $backend differs from $TREE"

	pool=$(figure pool_pages)
	mem=$(figure mem_used)
	meta=$(figure meta_bytes)
	raw=$(figure raw_pages)
	compr=$(figure compr_bytes)
	echo "# $backend: pool_pages=$pool mem_used=$mem meta=$meta" \
		"raw=$raw compr_bytes=$compr" >&3
	(( pool > 0 )) || zpfs_fail "$backend: no pool pages"
	zpfs_le $(( pool * 4096 )) "$mem" "pool pages x 4096 vs mem_used"
	zpfs_eq "$mem" $(( (pool + raw) * 4096 + meta )) "mem_used"
	# the pool holds at least the compressed bytes it was given
	zpfs_le $(( compr - raw * 4096 )) $(( pool * 4096 )) \
		"compressed bytes vs pool bytes"
	# the back end's own figures: "pages" first, equal to pool_pages
	zpfs_match "$(zpfs_xattr "$MNT" pool_stats | head -n1)" '^pages [0-9]+$' \
		"first line of pool_stats"
	zpfs_eq "$(pool_stat pages)" "$pool" "pool_stats pages"
}

# remove_all: delete the tree; every pool page goes back (zsmalloc may
# keep a page or two of its own metadata: a cached descriptor).
remove_all() {
	rm -rf "$MNT/tree"
	zpfs_eventually 'zpfs_eq "$(figure comp_pages)" 0 "comp_pages after rm"'
	zpfs_eventually 'zpfs_le "$(figure pool_pages)" 2 "pool_pages after rm"'
	zpfs_eq "$(figure compr_bytes)" 0 "compr_bytes after rm"
	zpfs_eq "$(figure raw_pages)" 0 "raw_pages after rm"
}

# delete_every_other LIST: remove every second file of the tree (sorted),
# so that the pool is left with sparse pages; list what stays in LIST.
delete_every_other() {
	(cd "$MNT/tree" && find . -type f | LC_ALL=C sort) >"$TEST_TMP/all"
	awk 'NR % 2 == 0' "$TEST_TMP/all" >"$TEST_TMP/gone"
	awk 'NR % 2 == 1' "$TEST_TMP/all" >"$1"
	(cd "$MNT/tree" && xargs -d '\n' rm -f <"$TEST_TMP/gone")
	# the pages go when the kernel forgets the inodes: wait for that
	ZPFS_WANT_INODES=$(( $(find "$MNT" | wc -l) ))
	zpfs_eventually 'zpfs_eq "$(figure inodes)" "$ZPFS_WANT_INODES" inodes'
}

# check_kept LIST: the files of LIST are still those of $TREE.
check_kept() {
	zpfs_dropcache_tree "$MNT/tree"
	(cd "$TREE" && xargs -d '\n' sha256sum <"$1") >"$TEST_TMP/want"
	(cd "$MNT/tree" && xargs -d '\n' sha256sum <"$1") >"$TEST_TMP/got"
	cmp "$TEST_TMP/want" "$TEST_TMP/got" ||
		zpfs_fail "files changed by the deletions and compaction"
}

@test "zbud: a real tree, consistent figures, everything given back" {
	copy_tree zbud
	remove_all
}

@test "z3fold: a real tree, its own figures, everything given back" {
	copy_tree z3fold
	local n1 n2 n3 objects pool
	n1=$(pool_stat pages_1_object)
	n2=$(pool_stat pages_2_objects)
	n3=$(pool_stat pages_3_objects)
	objects=$(pool_stat objects)
	pool=$(figure pool_pages)
	echo "# z3fold: pages with 1/2/3 objects: $n1/$n2/$n3" >&3
	zpfs_eq $(( n1 + n2 + n3 )) "$pool" "pages by objects held"
	zpfs_eq $(( n1 + 2 * n2 + 3 * n3 )) "$objects" "objects"
	zpfs_eq "$objects" "$(figure comp_pages)" "objects vs comp_pages"
	(( n3 > 0 )) || zpfs_fail "no page holds three objects"
	remove_all
}

@test "zsmalloc: a real tree, per-class figures, everything given back" {
	copy_tree zsmalloc
	local objects sum
	objects=$(pool_stat objects)
	zpfs_eq "$objects" "$(figure comp_pages)" "objects vs comp_pages"
	sum=$(zpfs_xattr "$MNT" pool_stats |
		awk '$1 ~ /^class_[0-9]+_objects$/ { s += $2 } END { print s + 0 }')
	zpfs_eq "$sum" "$objects" "sum of class_<size>_objects"
	# dense: the pool within 10 % of the compressed bytes (text)
	local pool compr raw
	pool=$(figure pool_pages)
	compr=$(figure compr_bytes)
	raw=$(figure raw_pages)
	zpfs_le $(( pool * 4096 * 100 )) $(( (compr - raw * 4096) * 110 )) \
		"zsmalloc pool bytes x 100 vs compressed bytes x 110"
	remove_all
}

@test "zsmalloc: compaction frees pages after every other file is deleted" {
	copy_tree zsmalloc
	delete_every_other "$TEST_TMP/kept"
	local before after c0 c1 moved0
	c0=$(figure compacted_pages)
	moved0=$(pool_stat objects_moved)
	before=$(figure pool_pages)
	run --separate-stderr "$ZPOOLFS_STAT" --compact "$MNT"
	zpfs_eq "$status" 0 "zpoolfs-stat --compact (stderr: $stderr)"
	echo "# $output" >&3
	after=$(figure pool_pages)
	c1=$(figure compacted_pages)
	echo "# pool pages $before -> $after, compacted_pages $c0 -> $c1" >&3
	zpfs_match "$output" "^$MNT: $(( c1 - c0 )) pages freed " \
		"zpoolfs-stat --compact output"
	(( c1 > c0 )) || zpfs_fail "compaction freed no page"
	(( after < before )) || zpfs_fail "pool_pages $before -> $after"
	(( $(pool_stat objects_moved) > moved0 )) ||
		zpfs_fail "compaction moved no object"
	(( $(pool_stat pages_compacted) >= c1 - c0 )) ||
		zpfs_fail "pages_compacted below what compaction freed"
	check_kept "$TEST_TMP/kept"
	# compacting a compacted pool frees (next to) nothing and works
	setfattr -n user.zpoolfs.compact -v 1 "$MNT"
	zpfs_le "$(figure pool_pages)" "$after" "pool_pages after a 2nd compaction"
	remove_all
}

@test "zbud and z3fold: compaction frees nothing and is no error" {
	local b
	for b in zbud z3fold; do
		zpfs_mount_at "$TEST_TMP/$b" "backend=$b,size=1g"
		MNT=$TEST_TMP/$b
		cp -a "$TREE/linux" "$MNT/tree"
		delete_every_other "$TEST_TMP/kept.$b"
		local before
		before=$(figure pool_pages)
		run --separate-stderr "$ZPOOLFS_STAT" --compact "$MNT"
		zpfs_eq "$status" 0 "$b: zpoolfs-stat --compact (stderr: $stderr)"
		zpfs_eq "$output" "$MNT: 0 pages freed (0B)" "$b: output"
		setfattr -n user.zpoolfs.compact -v 1 "$MNT"
		zpfs_eq "$(figure compacted_pages)" 0 "$b: compacted_pages"
		zpfs_eq "$(figure pool_pages)" "$before" "$b: pool_pages"
		(cd "$TREE/linux" && xargs -d '\n' sha256sum <"$TEST_TMP/kept.$b") \
			>"$TEST_TMP/want"
		(cd "$MNT/tree" && xargs -d '\n' sha256sum <"$TEST_TMP/kept.$b") \
			>"$TEST_TMP/got"
		cmp "$TEST_TMP/want" "$TEST_TMP/got"
	done
}
