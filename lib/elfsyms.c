// SPDX-License-Identifier: GPL-2.0
/*
 * An opened kernel object's symbols, the functions whose relocations
 * reference a symbol, and its .modinfo; see elfscan.h.  Every section
 * relation (sh_link, sh_info, symbol indices, entry sizes) is checked
 * before use: libelf does not.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfscan_int.h"

static const char *secname(struct elfscan_obj *o, const GElf_Shdr *sh)
{
	const char *s = elf_strptr(o->elf, o->shstrndx, sh->sh_name);

	return s ? s : "?";
}

/* A symbol table and its entry count, validated. */
struct symtab {
	size_t idx;		/* section index, 0 = none loaded */
	Elf_Data *data;
	Elf_Data *xndx;		/* SHT_SYMTAB_SHNDX, if any */
	size_t strndx;
	size_t nsyms;
};

static int load_symtab(struct elfscan_obj *o, size_t idx, struct symtab *st,
		       char *err)
{
	Elf_Scn *scn;
	GElf_Shdr sh;
	size_t i, ent;

	if (st->idx == idx && idx)
		return 0;
	memset(st, 0, sizeof(*st));
	if (idx == 0 || idx >= o->shnum)
		return elfscan_err(err, -EBADMSG,
			      "corrupt ELF: symbol table index %zu out of range",
			      idx);
	scn = elf_getscn(o->elf, idx);
	if (!scn || !gelf_getshdr(scn, &sh))
		return elfscan_err(err, -EBADMSG, "corrupt ELF: section %zu", idx);
	if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
		return elfscan_err(err, -EBADMSG,
			      "corrupt ELF: section %zu is not a symbol table",
			      idx);
	if (sh.sh_link == 0 || sh.sh_link >= o->shnum)
		return elfscan_err(err, -EBADMSG,
			      "corrupt ELF: symbol table %zu has no string table",
			      idx);
	ent = gelf_fsize(o->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!ent || (sh.sh_entsize && sh.sh_entsize != ent))
		return elfscan_err(err, -EBADMSG,
			      "corrupt ELF: symbol table %zu entry size %llu",
			      idx, (unsigned long long)sh.sh_entsize);
	st->data = elf_getdata(scn, NULL);
	if (!st->data)
		return elfscan_err(err, -EBADMSG,
			      "truncated or corrupt ELF symbol table: %s",
			      elf_errmsg(-1));
	st->nsyms = st->data->d_size / ent;
	st->strndx = sh.sh_link;
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *x = elf_getscn(o->elf, i);
		GElf_Shdr xs;

		if (x && gelf_getshdr(x, &xs) &&
		    xs.sh_type == SHT_SYMTAB_SHNDX && xs.sh_link == idx) {
			st->xndx = elf_getdata(x, NULL);
			break;
		}
	}
	st->idx = idx;
	return 0;
}

/* Symbol i with its real section index; false if unreadable. */
static bool get_sym(const struct symtab *st, size_t i, GElf_Sym *sym,
		    size_t *shndx)
{
	Elf32_Word x = 0;

	if (i >= st->nsyms)
		return false;
	if (st->xndx) {
		if ((i + 1) * sizeof(Elf32_Word) > st->xndx->d_size)
			return false;
		if (!gelf_getsymshndx(st->data, st->xndx, i, sym, &x))
			return false;
	} else if (!gelf_getsym(st->data, i, sym)) {
		return false;
	}
	*shndx = sym->st_shndx == SHN_XINDEX ? x : sym->st_shndx;
	return true;
}

static const char *sym_name(struct elfscan_obj *o, const struct symtab *st,
			    const GElf_Sym *sym)
{
	return elf_strptr(o->elf, st->strndx, sym->st_name);
}

/* The function containing offset `off` of section `shndx`. */
static char *caller_name(struct elfscan_obj *o, const struct symtab *st,
			 size_t shndx, uint64_t off, const char *sname)
{
	const char *best = NULL;
	uint64_t bestval = 0;
	bool exact = false;
	char *s;
	size_t i, sx;
	GElf_Sym sym;

	for (i = 1; i < st->nsyms; i++) {
		int type;
		const char *n;

		if (!get_sym(st, i, &sym, &sx) || sx != shndx)
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if (type != STT_FUNC && type != STT_NOTYPE)
			continue;
		n = sym_name(o, st, &sym);
		if (!n || !*n || sym.st_value > off)
			continue;
		if (type == STT_FUNC && sym.st_size &&
		    off - sym.st_value < sym.st_size) {
			if (!exact || sym.st_value > bestval) {
				best = n;
				bestval = sym.st_value;
			}
			exact = true;
		} else if (!exact && (!best || sym.st_value >= bestval) &&
			   type == STT_FUNC) {
			best = n;
			bestval = sym.st_value;
		}
	}
	if (best)
		return strdup(best);
	if (asprintf(&s, "%s+0x%llx", sname, (unsigned long long)off) < 0)
		return NULL;
	return s;
}

static int add_func(struct elfscan_refs *r, char *name)
{
	struct elfscan_func *n;
	size_t i;

	if (!name)
		return -ENOMEM;
	for (i = 0; i < r->nfuncs; i++) {
		if (!strcmp(r->funcs[i].name, name)) {
			r->funcs[i].sites++;
			free(name);
			return 0;
		}
	}
	n = realloc(r->funcs, (r->nfuncs + 1) * sizeof(*n));
	if (!n) {
		free(name);
		return -ENOMEM;
	}
	r->funcs = n;
	r->funcs[r->nfuncs].name = name;
	r->funcs[r->nfuncs].sites = 1;
	r->nfuncs++;
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct elfscan_func *)a)->name,
		      ((const struct elfscan_func *)b)->name);
}

void elfscan_refs_free(struct elfscan_refs *r)
{
	size_t i;

	for (i = 0; i < r->nfuncs; i++)
		free(r->funcs[i].name);
	free(r->funcs);
	memset(r, 0, sizeof(*r));
}

/* Mark which entries of a symbol table are named `name`. */
static int match_set(struct elfscan_obj *o, const struct symtab *st,
		     const char *name, unsigned char **setp, size_t *nmatch)
{
	unsigned char *set = calloc(st->nsyms ? st->nsyms : 1, 1);
	GElf_Sym sym;
	size_t i, sx;

	if (!set)
		return -ENOMEM;
	*nmatch = 0;
	for (i = 1; i < st->nsyms; i++) {
		const char *n;

		if (!get_sym(st, i, &sym, &sx))
			continue;
		n = sym_name(o, st, &sym);
		if (n && !strcmp(n, name)) {
			set[i] = 1;
			(*nmatch)++;
		}
	}
	*setp = set;
	return 0;
}

int elfscan_find_refs(struct elfscan_obj *o, const char *name,
		      struct elfscan_refs *out, char *err)
{
	struct symtab st = { 0 };
	unsigned char *set = NULL;
	size_t set_for = 0, nmatch = 0, i;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i), *tscn;
		GElf_Shdr sh, tsh;
		Elf_Data *d;
		size_t ent, n, j;
		bool rela, exec;

		if (!scn || !gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL)
			continue;
		rela = sh.sh_type == SHT_RELA;
		if (sh.sh_info == 0 || sh.sh_info >= o->shnum) {
			ret = elfscan_err(err, -EBADMSG,
				     "corrupt ELF: relocation section %s applies to section %u, out of range",
				     secname(o, &sh), (unsigned)sh.sh_info);
			goto out;
		}
		tscn = elf_getscn(o->elf, sh.sh_info);
		if (!tscn || !gelf_getshdr(tscn, &tsh)) {
			ret = elfscan_err(err, -EBADMSG, "corrupt ELF: section %u",
				     (unsigned)sh.sh_info);
			goto out;
		}
		/* Debug info references everything; only loaded code and
		 * data can call or hold a pointer. */
		if (!(tsh.sh_flags & SHF_ALLOC))
			continue;
		exec = tsh.sh_flags & SHF_EXECINSTR;
		ret = load_symtab(o, sh.sh_link, &st, err);
		if (ret)
			goto out;
		if (set_for != st.idx) {
			free(set);
			set = NULL;
			ret = match_set(o, &st, name, &set, &nmatch);
			if (ret) {
				elfscan_err(err, ret, "out of memory");
				goto out;
			}
			set_for = st.idx;
		}
		if (!nmatch)
			continue;
		ent = gelf_fsize(o->elf, rela ? ELF_T_RELA : ELF_T_REL, 1,
				 EV_CURRENT);
		if (!ent || (sh.sh_entsize && sh.sh_entsize != ent)) {
			ret = elfscan_err(err, -EBADMSG,
				     "corrupt ELF: relocation section %s entry size %llu",
				     secname(o, &sh),
				     (unsigned long long)sh.sh_entsize);
			goto out;
		}
		d = elf_getdata(scn, NULL);
		if (!d) {
			ret = elfscan_err(err, -EBADMSG,
				     "truncated or corrupt ELF relocation section %s: %s",
				     secname(o, &sh), elf_errmsg(-1));
			goto out;
		}
		n = d->d_size / ent;
		for (j = 0; j < n; j++) {
			GElf_Rela ra;
			GElf_Rel rl;
			uint64_t off, symi;

			if (rela) {
				if (!gelf_getrela(d, j, &ra))
					break;
				off = ra.r_offset;
				symi = GELF_R_SYM(ra.r_info);
			} else {
				if (!gelf_getrel(d, j, &rl))
					break;
				off = rl.r_offset;
				symi = GELF_R_SYM(rl.r_info);
			}
			if (symi == 0)
				continue;
			if (symi >= st.nsyms) {
				ret = elfscan_err(err, -EBADMSG,
					     "corrupt ELF: relocation %zu of %s names symbol %llu of %zu",
					     j, secname(o, &sh),
					     (unsigned long long)symi, st.nsyms);
				goto out;
			}
			if (!set[symi])
				continue;
			if (!exec) {
				out->data_refs++;
				continue;
			}
			out->calls++;
			ret = add_func(out, caller_name(o, &st, sh.sh_info, off,
							secname(o, &tsh)));
			if (ret) {
				elfscan_err(err, ret, "out of memory");
				goto out;
			}
		}
	}
	if (out->nfuncs > 1)
		qsort(out->funcs, out->nfuncs, sizeof(*out->funcs), cmp_func);
out:
	free(set);
	if (ret)
		elfscan_refs_free(out);
	return ret;
}

/* nm's letter for a defined symbol. */
static char nm_type(const GElf_Sym *sym, const GElf_Shdr *sh)
{
	char c;

	if (sym->st_shndx == SHN_ABS)
		c = 'a';
	else if (sh->sh_flags & SHF_EXECINSTR)
		c = 't';
	else if (sh->sh_type == SHT_NOBITS)
		c = 'b';
	else if (sh->sh_flags & SHF_WRITE)
		c = 'd';
	else if (sh->sh_flags & SHF_ALLOC)
		c = 'r';
	else
		c = 'n';
	if (GELF_ST_BIND(sym->st_info) != STB_LOCAL && c != 'n')
		c -= 'a' - 'A';
	return c;
}

int elfscan_symbol(struct elfscan_obj *o, const char *name,
		   struct elfscan_sym *out, char *err)
{
	struct symtab st = { 0 };
	size_t i, j, sx;
	GElf_Sym sym;
	int ret;

	memset(out, 0, sizeof(*out));
	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		ret = load_symtab(o, i, &st, err);
		if (ret)
			return ret;
		for (j = 1; j < st.nsyms; j++) {
			const char *n;
			GElf_Shdr ts = { 0 };
			Elf_Scn *tscn;

			if (!get_sym(&st, j, &sym, &sx) || sx == SHN_UNDEF)
				continue;
			n = sym_name(o, &st, &sym);
			if (!n || strcmp(n, name))
				continue;
			if (sx < SHN_LORESERVE) {
				if (sx >= o->shnum)
					continue;
				tscn = elf_getscn(o->elf, sx);
				if (!tscn || !gelf_getshdr(tscn, &ts))
					continue;
				snprintf(out->section, sizeof(out->section),
					 "%s", secname(o, &ts));
			}
			out->found = true;
			out->type = nm_type(&sym, &ts);
			out->writable = ts.sh_flags & SHF_WRITE;
			out->exec = ts.sh_flags & SHF_EXECINSTR;
			return 0;
		}
	}
	return 0;
}

int elfscan_modinfo(struct elfscan_obj *o, const char *key, char *buf,
		    size_t len)
{
	size_t klen = strlen(key), i;

	for (i = 1; i < o->shnum; i++) {
		Elf_Scn *scn = elf_getscn(o->elf, i);
		const char *p, *end;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!scn || !gelf_getshdr(scn, &sh) ||
		    sh.sh_type != SHT_PROGBITS ||
		    strcmp(secname(o, &sh), ".modinfo"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			return -EBADMSG;
		p = d->d_buf;
		end = p + d->d_size;
		while (p < end) {
			const char *z = memchr(p, 0, end - p);
			size_t l = z ? (size_t)(z - p) : (size_t)(end - p);

			if (l > klen && !memcmp(p, key, klen) && p[klen] == '=') {
				size_t vl = l - klen - 1;

				if (vl >= len)
					vl = len - 1;
				memcpy(buf, p + klen + 1, vl);
				buf[vl] = 0;
				return 0;
			}
			p += l + 1;
		}
	}
	return -ENOENT;
}
