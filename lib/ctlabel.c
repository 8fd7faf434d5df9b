// SPDX-License-Identifier: GPL-2.0
/* Conntrack label names (/etc/xtables/connlabel.conf): see ctlabel.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctlabel.h"
#include "util.h"

static struct {
	bool		tried;
	int		err;
	unsigned int	count;		/* the highest named bit + 1 */
	char		*names[CT_LABEL_BITS];
} map;

static bool is_blank(char c)
{
	return c == ' ' || c == '\f' || c == '\r' || c == '\t' || c == '\v';
}

/* letters, digits, blanks and '-' only (libnetfilter_conntrack's rule,
 * so a name cannot break a parser of the output) */
static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == ' ' || *s == '-'))
			return false;
	return true;
}

/* One line: its bit and its name (trimmed), or -1. */
static int parse_line(char *line, char **name)
{
	unsigned long bit;
	char *end, *e;

	if (line[0] == '#')
		return -1;
	bit = strtoul(line, &end, 0);
	if ((bit == 0 && end == line) || bit >= CT_LABEL_BITS)
		return -1;
	while (is_blank(*end))
		end++;
	e = end + strcspn(end, "\n");
	*e = 0;
	while (e > end && is_blank(e[-1]))
		*--e = 0;
	if (!*end || !name_ok(end))
		return -1;
	*name = end;
	return bit;
}

int ct_label_load(void)
{
	char line[1024], *name;
	FILE *fp;
	int bit;

	if (map.tried)
		return map.err;
	map.tried = true;
	fp = fopen(CT_LABEL_CONF, "re");
	if (!fp) {
		map.err = -errno;
		p_warn("cannot read label names from %s: %s", CT_LABEL_CONF,
		       strerror(errno));
		return map.err;
	}
	while (fgets(line, sizeof(line), fp)) {
		bit = parse_line(line, &name);
		if (bit < 0 || map.names[bit] || ct_label_bit(name) >= 0)
			continue;
		map.names[bit] = strdup(name);
		if (!map.names[bit])
			break;
		if ((unsigned int)bit >= map.count)
			map.count = bit + 1;
	}
	fclose(fp);
	if (!map.count) {
		map.err = -ENODATA;
		p_warn("no label names in %s", CT_LABEL_CONF);
	}
	return map.err;
}

int ct_label_bit(const char *name)
{
	unsigned int i;

	/* also while loading: the names so far */
	for (i = 0; i < map.count; i++)
		if (map.names[i] && !strcmp(map.names[i], name))
			return i;
	return -1;
}

const char *ct_label_name(unsigned int bit)
{
	return bit < map.count ? map.names[bit] : NULL;
}

bool ct_label_test(const uint8_t *bits, unsigned int len, unsigned int bit)
{
	uint32_t w = 0;
	unsigned int words = (len * 8 + 31) / 32, n;

	if (bit >= words * 32)
		return false;
	n = len - (bit / 32) * 4;
	memcpy(&w, bits + (bit / 32) * 4, n < 4 ? n : 4);
	return w & (1u << (bit % 32));
}

const char *ct_label_next(const uint8_t *bits, unsigned int len,
			  unsigned int *bit)
{
	const char *name;

	for (; *bit < len * 8; (*bit)++) {
		if (!ct_label_test(bits, len, *bit))
			continue;
		name = ct_label_name(*bit);
		if (name) {
			(*bit)++;
			return name;
		}
	}
	return NULL;
}
