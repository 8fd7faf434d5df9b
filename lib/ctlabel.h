/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Conntrack label names, as conntrack(8) knows them: the bit-to-name map
 * of /etc/xtables/connlabel.conf, read as libnetfilter_conntrack 1.0.9's
 * nfct_labelmap_new() reads it ("BIT NAME" lines, BIT in strtoul's bases
 * below 1024, NAME of letters, digits, blanks and '-'; the first line of
 * a bit or a name wins; '#' starts a comment line).  One map per
 * process, loaded on first use, as conntrack loads it for -l and
 * -o labels.  An entry's labels are CTA_LABELS' bits (struct ct_msg).
 */
#ifndef CTDIAG_CTLABEL_H
#define CTDIAG_CTLABEL_H

#include <stdbool.h>
#include <stdint.h>

#define CT_LABEL_CONF	"/etc/xtables/connlabel.conf"
#define CT_LABEL_BITS	1024	/* the bits a name can have */

/* Load the map (once; later calls return the first result).  0, or
 * -errno of opening the file, or -ENODATA when it names no label.  The
 * first failure prints one warning, as conntrack prints one. */
int ct_label_load(void);

/* The bit of a name (case matters), or -1 (no map, or not in it). */
int ct_label_bit(const char *name);

/* The name of a bit, or NULL (no map, or no name for it). */
const char *ct_label_name(unsigned int bit);

/* Is bit set in a CTA_LABELS payload of len bytes (read as
 * libnetfilter_conntrack reads it: 32-bit words in host order)? */
bool ct_label_test(const uint8_t *bits, unsigned int len, unsigned int bit);

/* Walk the named labels of a CTA_LABELS payload: from bit *bit on, the
 * name of the first bit that is set and has a name (*bit is then past
 * it), or NULL.  Start with *bit = 0. */
const char *ct_label_next(const uint8_t *bits, unsigned int len,
			  unsigned int *bit);

#endif
