/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ctdiag_ext.h - in-kernel API of ctdiag.ko's per-conntrack extension store.
 *
 * nf_conn->ext only takes extension ids fixed when the kernel was built, so
 * out-of-tree modules keep per-connection data in side tables and usually
 * free it from nf_ct_hook->destroy -- which since 5.15.36/5.17 (6ae7989c9af0)
 * no longer sees most destroys: that data leaks.  ctdiag.ko frees its
 * records on every path (nf_ct_destroy probe, idle expiry, pointer reuse,
 * netns exit, unload), and other modules can hang their own data off those
 * records instead of writing their own table:
 *
 *	static void my_destroy(void *data) { ... }	// no sleeping
 *	static struct ctdiag_ext_type my_type = {
 *		.name = "mymod", .size = sizeof(struct my_data),
 *		.destroy = my_destroy,
 *	};
 *	ctdiag_ext_register(&my_type);			// module init
 *	...
 *	rcu_read_lock();				// packet path
 *	d = ctdiag_ext_get_or_create(ct, &my_type, GFP_ATOMIC);
 *	if (d) ...					// zeroed on creation
 *	rcu_read_unlock();
 *	...
 *	ctdiag_ext_unregister(&my_type);		// module exit
 *
 * Lifetime: the data lives as long as ctdiag's record for that conntrack.
 * Idle expiry does not free a record that carries data while its
 * conntrack lives (find and get_or_create also count as activity), so a
 * conntrack that never crosses ctdiag's IPv4/IPv6 hooks keeps its data.
 * When the record is freed (for whatever reason) ->destroy(data) runs after
 * an RCU grace period, in softirq or process context, and must not sleep;
 * then the memory is freed by ctdiag.  Pointers returned by find and
 * get_or_create are valid only inside the caller's RCU read-side section.
 * Concurrent writers to the data must synchronise among themselves.
 */
#ifndef CTDIAG_EXT_H
#define CTDIAG_EXT_H

#include <linux/types.h>
#include <linux/gfp.h>

struct nf_conn;

struct ctdiag_ext_type {
	const char	*name;
	size_t		size;			/* bytes of data, > 0 */
	void		(*destroy)(void *data);	/* optional */
	/* private to ctdiag.ko */
	int		id;
};

/* Up to 4 types at once.  Returns 0, -EINVAL (bad size), -EBUSY (already
 * registered) or -ENOSPC (all slots used). */
int ctdiag_ext_register(struct ctdiag_ext_type *type);
/* Detaches and destroys this type's data on every record, and waits for
 * every pending ->destroy to finish.  May sleep. */
void ctdiag_ext_unregister(struct ctdiag_ext_type *type);

/* The data of @type attached to @ct, or NULL.  Caller: rcu_read_lock. */
void *ctdiag_ext_find(const struct nf_conn *ct,
		      const struct ctdiag_ext_type *type);
/* The data of @type for @ct, creating the record (CTDIAG_ALLOC_API) and
 * the zeroed data if needed; NULL on allocation failure, and for a
 * conntrack whose network namespace is being dismantled.  Caller holds a
 * reference on @ct (e.g. it came from an skb) and rcu_read_lock, so @gfp
 * must not sleep (GFP_ATOMIC or GFP_NOWAIT). */
void *ctdiag_ext_get_or_create(struct nf_conn *ct,
			       const struct ctdiag_ext_type *type, gfp_t gfp);

#endif /* CTDIAG_EXT_H */
