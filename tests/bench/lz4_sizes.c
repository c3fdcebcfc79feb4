/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lz4_sizes.c - lz4-sizes, the size stream of a file for zpool-bench: the
 * lz4-compressed size (LZ4_compress_default(), as zpoolfs' lz4 codec
 * calls it) of each 4 KiB page of the file, one size a line, after a
 * few '#' lines saying what was compressed. A last partial page is
 * compressed padded with zeros, as the page cache holds it.
 *
 *   lz4-sizes /dev/shm/linux-1g.tar > /tmp/linux-1g-lz4-sizes.txt
 *   xz -dc linux-source-6.1.tar.xz | head -c 64M | lz4-sizes -
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>

#define PAGE_BYTES	4096

/*
 * Read up to @len bytes; only end of file or an error makes it short.
 * Return: bytes read, or -errno.
 */
static long read_page(FILE *f, char *buf, size_t len)
{
	size_t n = fread(buf, 1, len, f);

	if (n < len && ferror(f))
		return -EIO;
	return (long)n;
}

int main(int argc, char **argv)
{
	static char page[PAGE_BYTES], out[LZ4_COMPRESSBOUND(PAGE_BYTES)];
	const char *name = argc == 2 ? argv[1] : NULL;
	unsigned long pages = 0, bytes = 0;
	FILE *f;
	long n;

	if (!name || !strcmp(name, "-h") || !strcmp(name, "--help")) {
		fprintf(name ? stdout : stderr, "usage: %s FILE|-\n"
			"Prints the lz4 size of each 4 KiB page of FILE "
			"(- for stdin), one a line.\n", argv[0]);
		return name ? 0 : 2;
	}
	f = strcmp(name, "-") ? fopen(name, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "lz4-sizes: %s: %s\n", name, strerror(errno));
		return 1;
	}
	printf("# lz4 (LZ4_compress_default, liblz4 %s) compressed size of "
	       "each 4 KiB page\n# of %s, one size a line.\n",
	       LZ4_versionString(), f == stdin ? "standard input" : name);
	while ((n = read_page(f, page, sizeof(page))) > 0) {
		int c;

		memset(page + n, 0, sizeof(page) - (size_t)n);
		c = LZ4_compress_default(page, out, sizeof(page), sizeof(out));
		if (c <= 0) {
			fprintf(stderr, "lz4-sizes: %s: page %lu: lz4 "
				"failed\n", name, pages);
			return 1;
		}
		printf("%d\n", c);
		pages++;
		bytes += (unsigned long)c;
	}
	if (n < 0) {
		fprintf(stderr, "lz4-sizes: %s: %s\n", name, strerror((int)-n));
		return 1;
	}
	if (f != stdin)
		fclose(f);
	printf("# %lu pages, %lu bytes compressed\n", pages, bytes);
	return fflush(stdout) ? 1 : 0;
}
