// SPDX-License-Identifier: GPL-2.0
/*
 * lib/elfscan: verdicts on objects compiled here with gcc -c, and
 * robustness against truncated, corrupted and randomly mutated copies of
 * them (never a crash; an error or a sane answer).
 */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include "elfscan.h"
#include "unit.h"

static const char caller_src[] =
	"void nf_ct_destroy(void *ct);\n"
	"volatile int sink;\n"
	"void my_put(void *ct) { nf_ct_destroy(ct); sink = 1; }\n"
	"static void helper(void *a, void *b) { nf_ct_destroy(a); nf_ct_destroy(b); sink = 2; }\n"
	"void (*keep_helper)(void *, void *) = helper;\n"
	"void (*destroy_ptr)(void *) = nf_ct_destroy;\n"
	"__attribute__((used)) static const struct { void (*d)(void *); } nf_conntrack_hook = { nf_ct_destroy };\n"
	"__attribute__((used, section(\".modinfo\"))) static const char mi[] = \"license=GPL\\0vermagic=6.1.0-test SMP\";\n";

static unsigned char *obj;
static size_t objlen;

/* Compile caller_src once; the object is the seed of every test. */
static int build(void)
{
	char dir[] = "/tmp/elfscan-unit-XXXXXX", cmd[512], path[256];
	FILE *f;
	long n;

	if (obj)
		return 0;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/c.c", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(caller_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "${CC:-gcc} -O1 -fno-inline -fno-optimize-sibling-calls -fno-pic "
		 "-fno-asynchronous-unwind-tables -c -o %s/c.o %s", dir, path);
	if (system(cmd))
		return -1;
	snprintf(path, sizeof(path), "%s/c.o", dir);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	obj = malloc(n);
	objlen = fread(obj, 1, n, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return -1;
	return objlen == (size_t)n ? 0 : -1;
}

/* Open + scan + look up, as doctor does; returns the first error. */
static int scan(const void *buf, size_t len, struct elfscan_refs *r,
		char *err)
{
	struct elfscan_obj *o;
	struct elfscan_sym s;
	char mi[64];
	int ret;

	memset(r, 0, sizeof(*r));
	ret = elfscan_open_mem(buf, len, &o, err);
	if (ret)
		return ret;
	ret = elfscan_find_refs(o, "nf_ct_destroy", r, err);
	if (!ret) {
		ret = elfscan_symbol(o, "nf_conntrack_hook", &s, err);
		if (ret)
			elfscan_refs_free(r);
	}
	elfscan_modinfo(o, "vermagic", mi, sizeof(mi));
	elfscan_close(o);
	return ret;
}

TEST(elfscan_finds_calls_and_functions)
{
	struct elfscan_refs r;
	char err[ELFSCAN_ERRLEN] = "";

	CHECK(build() == 0);
	if (!obj)
		return;
	CHECK(scan(obj, objlen, &r, err) == 0);
	CHECK(r.calls == 3);
	CHECK(r.data_refs == 2);	/* destroy_ptr, nf_conntrack_hook */
	CHECK(r.nfuncs == 2);
	if (r.nfuncs == 2) {
		CHECK_STR(r.funcs[0].name, "helper");
		CHECK(r.funcs[0].sites == 2);
		CHECK_STR(r.funcs[1].name, "my_put");
		CHECK(r.funcs[1].sites == 1);
	}
	elfscan_refs_free(&r);
}

TEST(elfscan_symbol_and_modinfo)
{
	struct elfscan_obj *o;
	struct elfscan_sym s;
	char err[ELFSCAN_ERRLEN], mi[64];

	CHECK(build() == 0);
	CHECK(elfscan_open_mem(obj, objlen, &o, err) == 0);
	if (!o)
		return;
	CHECK(elfscan_is_relocatable(o));
	CHECK(elfscan_compression(o) == ELFSCAN_PLAIN);
	CHECK(elfscan_symbol(o, "nf_conntrack_hook", &s, err) == 0);
	CHECK(s.found && s.type == 'r' && !s.writable);
	CHECK(elfscan_symbol(o, "my_put", &s, err) == 0);
	CHECK(s.found && s.type == 'T' && s.exec);
	CHECK(elfscan_symbol(o, "sink", &s, err) == 0);
	CHECK(s.found && (s.type == 'B' || s.type == 'C') && s.writable);
	/* Undefined here: not "found". */
	CHECK(elfscan_symbol(o, "nf_ct_destroy", &s, err) == 0 && !s.found);
	CHECK(elfscan_modinfo(o, "vermagic", mi, sizeof(mi)) == 0);
	CHECK_STR(mi, "6.1.0-test SMP");
	CHECK(elfscan_modinfo(o, "name", mi, sizeof(mi)) == -ENOENT);
	elfscan_close(o);
}

TEST(elfscan_not_elf_and_empty)
{
	struct elfscan_refs r;
	char err[ELFSCAN_ERRLEN];

	CHECK(scan("hello world\n", 12, &r, err) == -ENOEXEC);
	CHECK_STR(err, "not an ELF file");
	CHECK(scan("", 0, &r, err) == -ENOEXEC);
	CHECK(scan("\177ELF", 4, &r, err) == -EBADMSG);
}

/* Every proper prefix is an error (the section table is at the end of a
 * gcc -c object), never a crash. */
TEST(elfscan_every_truncation_is_an_error)
{
	struct elfscan_refs r;
	char err[ELFSCAN_ERRLEN];
	size_t n;
	int bad = 0;

	CHECK(build() == 0);
	for (n = 0; n < objlen; n++) {
		if (scan(obj, n, &r, err) >= 0) {
			bad++;
			elfscan_refs_free(&r);
		}
	}
	CHECK(bad == 0);
}

static Elf64_Shdr *shdr(unsigned char *img, size_t i)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	return (Elf64_Shdr *)(img + eh->e_shoff + i * eh->e_shentsize);
}

/* The .rela section applying to .text. */
static Elf64_Shdr *rela_text(unsigned char *img)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *str = shdr(img, eh->e_shstrndx);
	size_t i;

	for (i = 1; i < eh->e_shnum; i++) {
		Elf64_Shdr *s = shdr(img, i);

		if (s->sh_type == SHT_RELA &&
		    !strcmp((char *)img + str->sh_offset + s->sh_name,
			    ".rela.text"))
			return s;
	}
	return NULL;
}

TEST(elfscan_corrupt_fields_give_clear_errors)
{
	unsigned char *m = malloc(objlen);
	struct elfscan_refs r;
	char err[ELFSCAN_ERRLEN];
	Elf64_Shdr *rs;
	Elf64_Rela *ra;

	CHECK(build() == 0);
	if (!m || !obj)
		return;
	CHECK(((Elf64_Ehdr *)obj)->e_ident[EI_CLASS] == ELFCLASS64);

	memcpy(m, obj, objlen);
	rs = rela_text(m);
	CHECK(rs != NULL);
	if (!rs)
		goto out;
	ra = (Elf64_Rela *)(m + rs->sh_offset);
	ra[0].r_info = ELF64_R_INFO(0x7fffff, ELF64_R_TYPE(ra[0].r_info));
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);
	CHECK(strstr(err, "corrupt ELF: relocation 0 of .rela.text names symbol 8388607") != NULL);

	memcpy(m, obj, objlen);
	rs = rela_text(m);
	rs->sh_info = 9999;
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);
	CHECK(strstr(err, "applies to section 9999, out of range") != NULL);

	memcpy(m, obj, objlen);
	rs = rela_text(m);
	rs->sh_link = 1;	/* .text, not a symbol table */
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);
	CHECK(strstr(err, "is not a symbol table") != NULL);

	memcpy(m, obj, objlen);
	rs = rela_text(m);
	rs->sh_entsize = 7;
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);

	memcpy(m, obj, objlen);
	rs = rela_text(m);
	rs->sh_offset = (uint64_t)1 << 40;
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);
	CHECK(strstr(err, "truncated ELF: section") != NULL);

	memcpy(m, obj, objlen);
	((Elf64_Ehdr *)m)->e_shstrndx = 500;
	CHECK(scan(m, objlen, &r, err) < 0);

	memcpy(m, obj, objlen);
	((Elf64_Ehdr *)m)->e_shoff = objlen - 8;
	CHECK(scan(m, objlen, &r, err) == -EBADMSG);
out:
	free(m);
}

/* A cheap mutation fuzzer: random byte changes anywhere, fixed seed.  Any
 * answer is fine as long as it is an error or a plausible count. */
TEST(elfscan_random_mutations_never_crash)
{
	unsigned char *m = malloc(objlen);
	struct elfscan_refs r;
	char err[ELFSCAN_ERRLEN];
	unsigned int seed = 12345, i, k, ok = 0;

	CHECK(build() == 0);
	if (!m || !obj)
		return;
	for (i = 0; i < 20000; i++) {
		memcpy(m, obj, objlen);
		for (k = 0; k <= i % 8; k++) {
			size_t at = rand_r(&seed) % objlen;

			/* Bias towards the headers, where the indices are. */
			if (k & 1)
				at = ((Elf64_Ehdr *)obj)->e_shoff +
				     rand_r(&seed) % (objlen - ((Elf64_Ehdr *)obj)->e_shoff);
			m[at] = rand_r(&seed);
		}
		if (scan(m, objlen, &r, err) == 0) {
			ok++;
			CHECK(r.calls <= objlen);
			elfscan_refs_free(&r);
		}
	}
	printf("# %u of 20000 mutants still parsed\n", ok);
	free(m);
}

TEST(elfscan_compressed_xz_zstd_gzip)
{
	size_t cap = objlen + 65536, n = 0;
	unsigned char *c = malloc(cap);
	struct elfscan_refs r;
	struct elfscan_obj *o;
	char err[ELFSCAN_ERRLEN];
	z_stream z;

	CHECK(build() == 0);
	if (!c || !obj)
		return;
	/* xz */
	CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, obj, objlen,
				      c, &n, cap) == LZMA_OK);
	CHECK(scan(c, n, &r, err) == 0 && r.calls == 3);
	elfscan_refs_free(&r);
	CHECK(elfscan_open_mem(c, n, &o, err) == 0);
	if (o)
		CHECK(elfscan_compression(o) == ELFSCAN_XZ);
	elfscan_close(o);
	CHECK(scan(c, n / 2, &r, err) == -EBADMSG);
	CHECK_STR(err, "truncated xz data (lzma error 10)");
	/* zstd */
	n = ZSTD_compress(c, cap, obj, objlen, 3);
	CHECK(!ZSTD_isError(n));
	CHECK(scan(c, n, &r, err) == 0 && r.calls == 3);
	elfscan_refs_free(&r);
	CHECK(scan(c, n - 10, &r, err) == -EBADMSG);
	/* gzip */
	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
			   Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = obj;
	z.avail_in = objlen;
	z.next_out = c;
	z.avail_out = cap;
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	n = z.total_out;
	deflateEnd(&z);
	CHECK(scan(c, n, &r, err) == 0 && r.calls == 3);
	elfscan_refs_free(&r);
	CHECK(scan(c, n / 2, &r, err) == -EBADMSG);
	CHECK_STR(err, "truncated gzip data");
	/* compressed, but not an ELF inside */
	n = 0;
	CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
				      (const uint8_t *)"text", 4, c, &n,
				      cap) == LZMA_OK);
	CHECK(scan(c, n, &r, err) == -ENOEXEC);
	CHECK_STR(err, "compressed data is not an ELF file");
	free(c);
}

TEST(elfscan_open_errors_name_the_cause)
{
	struct elfscan_obj *o;
	char err[ELFSCAN_ERRLEN];

	CHECK(elfscan_open("/nonexistent/x.ko", &o, err) == -ENOENT);
	CHECK_STR(err, "No such file or directory");
	CHECK(elfscan_open("/tmp", &o, err) == -EISDIR);
	CHECK(elfscan_open("/proc/self/status", &o, err) == -ENOEXEC);
}

UNIT_MAIN()
