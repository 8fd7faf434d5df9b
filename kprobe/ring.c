// SPDX-License-Identifier: GPL-2.0
/*
 * Event ring: per-CPU record buffers filled by the producers (store,
 * intercept, clash probes) and drained by the single /dev/ctdiag reader.
 *
 * Why the kernel's own ring_buffer_* (kernel/trace/ring_buffer.c, exported
 * GPL) and not a hand-written ring: it is per-CPU and lockless on the write
 * side, safe to reserve from any context (NMI included, with its own
 * recursion guard), page based (no high-order allocation), handles CPU
 * hotplug, and in non-overwrite mode (flags 0) a full buffer makes
 * ring_buffer_lock_reserve() return NULL - the "drop the new record" policy
 * we want.  What it does not give us is a sequence number per record that
 * survives drops, so that is ours (struct ring_cpu below).
 *
 * Records are written only while a reader holds /dev/ctdiag open: with no
 * reader, ctdiag_ring_wants() is false and emit() returns at once.  So a
 * loss always means "the reader did not keep up", and the ring never holds
 * stale history when a reader arrives (it is reset when the reader leaves).
 *
 * Sequence numbers: per CPU, taken for every event that passed the
 * reader's filter, whether it fit or not.  The seq and the reserve happen
 * with interrupts off on that CPU, so one CPU's records sit in its ring in
 * seq order and a gap is exactly the number of records lost there.  The
 * reader turns a gap into a synthesized CTDIAG_EV_LOST record; for losses
 * at the tail (nothing written after them yet) it uses dropped_end, the
 * seq after the last dropped record, published with release semantics
 * after the drop.
 *
 * Wake-up: producers run in kprobe handlers with conntrack bucket locks
 * held, so they never call wake_up() themselves; when (and only when) the
 * reader waits, they queue an irq_work whose handler does the wake_up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/ring_buffer.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include "ctdiag.h"
#include "compat.h"

#define RING_ALL_EVENTS	(GENMASK(CTDIAG_EV_MAX - 1, 1) & ~BIT(CTDIAG_EV_LOST))

struct ring_cpu {
	u64 seq;		/* next sequence number on this CPU */
	u64 dropped_end;	/* 1 + seq of the last record dropped here */
};
static DEFINE_PER_CPU(struct ring_cpu, ring_cpu);

static struct trace_buffer *ring_buf;
/* Event types producers should build: 0 while no reader (or ring off). */
static u32 ring_mask;
static struct ctdiag_filter __rcu *ring_filter;
static struct irq_work ring_irq_work;
static DECLARE_WAIT_QUEUE_HEAD(ring_wq);
static int ring_waiting;

/* Reader state; only the single reader touches it, under read_mutex. */
static DEFINE_MUTEX(read_mutex);
static u64 *expect;		/* per CPU: next seq the reader expects */
static bool reader_kaddr;	/* reader may see code addresses */

static void ring_wake(struct irq_work *w)
{
	wake_up_interruptible(&ring_wq);
}

int ctdiag_ring_init(void)
{
	init_irq_work(&ring_irq_work, ring_wake);
	if (!ctdiag_ring_kb)
		return 0;
	expect = kcalloc(nr_cpu_ids, sizeof(*expect), GFP_KERNEL);
	if (!expect)
		return -ENOMEM;
	/* flags 0: no overwrite, a full CPU buffer refuses new records. */
	ring_buf = ring_buffer_alloc((unsigned long)ctdiag_ring_kb * 1024, 0);
	if (!ring_buf) {
		kfree(expect);
		expect = NULL;
		return -ENOMEM;
	}
	return 0;
}

void ctdiag_ring_exit(void)
{
	/* No reader can exist (the device holds a module reference), so
	 * ring_mask is 0 and no producer writes any more. */
	irq_work_sync(&ring_irq_work);
	if (ring_buf)
		ring_buffer_free(ring_buf);
	ring_buf = NULL;
	kfree(rcu_dereference_protected(ring_filter, 1));
	RCU_INIT_POINTER(ring_filter, NULL);
	kfree(expect);
	expect = NULL;
}

bool ctdiag_ring_wants(unsigned int type)
{
	return type < 32 && (READ_ONCE(ring_mask) & BIT(type));
}

static bool prefix_match(const u8 *a, const u8 *p, unsigned int plen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, p, bytes))
		return false;
	if (bits) {
		u8 m = 0xff << (8 - bits);

		return ((a[bytes] ^ p[bytes]) & m) == 0;
	}
	return true;
}

static bool filter_match(const struct ctdiag_filter *f,
			 const struct ctdiag_event *ev)
{
	u32 set = f->set;

	if ((set & CTDIAG_F_EVENTS) && !(f->event_mask & BIT(ev->type)))
		return false;
	if ((set & CTDIAG_F_NETNS) && ev->netns != f->netns)
		return false;
	if ((set & CTDIAG_F_ZONE) && ev->zone != f->zone)
		return false;
	if ((set & CTDIAG_F_PROTO) && ev->protonum != f->protonum)
		return false;
	if ((set & CTDIAG_F_FAMILY) && ev->l3num != f->l3num)
		return false;
	if ((set & CTDIAG_F_SRC) &&
	    !prefix_match(ev->orig.src, f->src, f->src_plen))
		return false;
	if ((set & CTDIAG_F_DST) &&
	    !prefix_match(ev->orig.dst, f->dst, f->dst_plen))
		return false;
	if ((set & CTDIAG_F_SPORT) && ev->orig.sport != f->sport)
		return false;
	if ((set & CTDIAG_F_DPORT) && ev->orig.dport != f->dport)
		return false;
	return true;
}

void ctdiag_ring_emit(struct ctdiag_event *ev)
{
	const struct ctdiag_filter *f;
	struct ring_buffer_event *rbe;
	struct ring_cpu *rc;
	unsigned long flags;
	bool pass, wrote = false;
	u64 seq;

	if (!ring_buf || ev->type >= 32)
		return;
	/*
	 * Interrupts off: seq order == ring order on this CPU, and the
	 * whole region is an RCU read-side section for the reader's
	 * synchronize_rcu() at close.
	 */
	local_irq_save(flags);
	if (!(READ_ONCE(ring_mask) & BIT(ev->type)))
		goto out;
	rcu_read_lock();
	f = rcu_dereference(ring_filter);
	pass = !f || filter_match(f, ev);
	rcu_read_unlock();
	if (!pass) {
		CTDIAG_INC(ring_filtered);
		goto out;
	}
	rc = this_cpu_ptr(&ring_cpu);
	seq = rc->seq;
	WRITE_ONCE(rc->seq, seq + 1);
	ev->size = sizeof(*ev);
	ev->cpu = smp_processor_id();
	ev->seq = seq;
	ev->ts_boot_ns = ktime_get_boot_fast_ns();
	ev->ts_real_ns = ctdiag_boot_to_real_ns(ev->ts_boot_ns);
	rbe = ring_buffer_lock_reserve(ring_buf, sizeof(*ev));
	if (rbe) {
		memcpy(ring_buffer_event_data(rbe), ev, sizeof(*ev));
		ctdiag_rb_commit(ring_buf, rbe);
		CTDIAG_INC(ring_written);
	} else {
		CTDIAG_INC(ring_lost);
		smp_store_release(&rc->dropped_end, seq + 1);
	}
	wrote = true;
out:
	local_irq_restore(flags);
	if (wrote) {
		/* Pairs with the barrier after the reader sets ring_waiting. */
		smp_mb();
		if (READ_ONCE(ring_waiting))
			irq_work_queue(&ring_irq_work);
	}
}

/* Reader side -------------------------------------------------------- */

int ctdiag_ring_reader_start(bool show_kaddr)
{
	int cpu;

	mutex_lock(&read_mutex);
	reader_kaddr = show_kaddr;
	if (ring_buf) {
		for_each_possible_cpu(cpu)
			expect[cpu] = READ_ONCE(per_cpu(ring_cpu, cpu).seq);
		/* Producers see the reader only after expect[] is set. */
		smp_store_release(&ring_mask, RING_ALL_EVENTS);
	}
	mutex_unlock(&read_mutex);
	return 0;
}

void ctdiag_ring_reader_stop(void)
{
	struct ctdiag_filter *old;

	mutex_lock(&read_mutex);
	WRITE_ONCE(ring_mask, 0);
	old = rcu_replace_pointer(ring_filter, NULL,
				  lockdep_is_held(&read_mutex));
	/* Every emit() that saw the reader has finished (they run with
	 * interrupts off); then drop what the reader left unread. */
	synchronize_rcu();
	kfree(old);
	if (ring_buf)
		ring_buffer_reset(ring_buf);
	WRITE_ONCE(ring_waiting, 0);
	mutex_unlock(&read_mutex);
}

int ctdiag_ring_set_filter(const struct ctdiag_filter *nf)
{
	const u32 known = CTDIAG_F_NETNS | CTDIAG_F_ZONE | CTDIAG_F_PROTO |
			  CTDIAG_F_FAMILY | CTDIAG_F_SRC | CTDIAG_F_DST |
			  CTDIAG_F_SPORT | CTDIAG_F_DPORT | CTDIAG_F_EVENTS;
	unsigned int maxplen = 128;
	struct ctdiag_filter *f, *old;
	u32 mask;

	if (nf->set & ~known)
		return -EINVAL;
	if ((nf->set & CTDIAG_F_EVENTS) && (nf->event_mask & ~RING_ALL_EVENTS))
		return -EINVAL;
	if ((nf->set & CTDIAG_F_FAMILY) && nf->l3num == AF_INET)
		maxplen = 32;
	if (((nf->set & CTDIAG_F_SRC) && nf->src_plen > maxplen) ||
	    ((nf->set & CTDIAG_F_DST) && nf->dst_plen > maxplen))
		return -EINVAL;

	f = NULL;
	if (nf->set) {
		f = kmemdup(nf, sizeof(*nf), GFP_KERNEL);
		if (!f)
			return -ENOMEM;
	}
	mask = RING_ALL_EVENTS;
	if (nf->set & CTDIAG_F_EVENTS)
		mask = nf->event_mask;
	mutex_lock(&read_mutex);
	old = rcu_replace_pointer(ring_filter, f,
				  lockdep_is_held(&read_mutex));
	if (ring_buf)
		WRITE_ONCE(ring_mask, mask);
	mutex_unlock(&read_mutex);
	synchronize_rcu();
	kfree(old);
	return 0;
}

/* Called with read_mutex held. */
static bool ring_cpu_tail_lost(int cpu, u64 *end)
{
	u64 d = smp_load_acquire(&per_cpu(ring_cpu, cpu).dropped_end);

	*end = d;
	return d > expect[cpu];
}

/*
 * Next record for the reader: the oldest (by boot time) head of all CPU
 * buffers, preceded by a LOST record when that CPU's seq jumped.  Returns
 * false when nothing is pending.  Called with read_mutex held.
 */
static bool ring_next(struct ctdiag_event *out)
{
	struct ring_buffer_event *rbe;
	const struct ctdiag_event *rec;
	u64 best_ts, best_end = 0, ts, end;
	int cpu, best_cpu;
	bool best_lost = false, lost;

again:
	best_cpu = -1;
	best_ts = U64_MAX;
	for_each_possible_cpu(cpu) {
		/* Load dropped_end before peeking: every record older than
		 * the drop it publishes is then visible to the peek. */
		bool tail = ring_cpu_tail_lost(cpu, &end);

		rbe = ring_buffer_peek(ring_buf, cpu, NULL, NULL);
		if (rbe) {
			rec = ring_buffer_event_data(rbe);
			ts = rec->ts_boot_ns;
			lost = rec->seq > expect[cpu];
			end = rec->seq;
		} else if (tail) {
			ts = 0;
			lost = true;
		} else {
			continue;
		}
		if (best_cpu < 0 || ts < best_ts) {
			best_cpu = cpu;
			best_ts = ts;
			best_lost = lost;
			best_end = end;
		}
	}
	if (best_cpu < 0)
		return false;

	if (best_lost) {
		ctdiag_event_init(out, CTDIAG_EV_LOST);
		out->cpu = best_cpu;
		out->seq = expect[best_cpu];
		out->ts_real_ns = ktime_get_real_ns();
		out->ts_boot_ns = ktime_get_boottime_ns();
		out->u.lost.first_seq = expect[best_cpu];
		out->u.lost.count = best_end - expect[best_cpu];
		expect[best_cpu] = best_end;
		return true;
	}
	rbe = ring_buffer_consume(ring_buf, best_cpu, NULL, NULL);
	if (!rbe)
		goto again;
	if (ring_buffer_event_length(rbe) < sizeof(*out))
		goto again;
	memcpy(out, ring_buffer_event_data(rbe), sizeof(*out));
	if (out->seq < expect[best_cpu])
		goto again;	/* left over from before the reader came */
	expect[best_cpu] = out->seq + 1;
	return true;
}

static bool ring_has_data(void)
{
	int cpu;

	if (!ring_buf)
		return false;
	if (!ring_buffer_empty(ring_buf))
		return true;
	for_each_possible_cpu(cpu)
		if (READ_ONCE(per_cpu(ring_cpu, cpu).dropped_end) >
		    READ_ONCE(expect[cpu]))
			return true;
	return false;
}

ssize_t ctdiag_ring_read(char __user *ubuf, size_t count, bool nonblock)
{
	struct ctdiag_event ev;
	size_t done = 0;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	for (;;) {
		if (mutex_lock_interruptible(&read_mutex))
			return -ERESTARTSYS;
		while (ring_buf && count - done >= sizeof(ev)) {
			if (!ring_next(&ev))
				break;
			if (ev.type == CTDIAG_EV_CT_DESTROY && !reader_kaddr)
				ev.u.destroy.caller = 0;
			if (copy_to_user(ubuf + done, &ev, sizeof(ev))) {
				mutex_unlock(&read_mutex);
				return done ? done : -EFAULT;
			}
			done += sizeof(ev);
		}
		mutex_unlock(&read_mutex);
		if (done) {
			WRITE_ONCE(ring_waiting, 0);
			return done;
		}
		if (nonblock)
			return -EAGAIN;
		WRITE_ONCE(ring_waiting, 1);
		/* Pairs with smp_mb() in emit(): either we see its record
		 * or it sees ring_waiting and wakes us. */
		smp_mb();
		ret = wait_event_interruptible(ring_wq, ring_has_data());
		if (ret)
			return ret;
	}
}

__poll_t ctdiag_ring_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &ring_wq, wait);
	WRITE_ONCE(ring_waiting, 1);
	smp_mb();
	return ring_has_data() ? EPOLLIN | EPOLLRDNORM : 0;
}

long ctdiag_ring_cpu_stats(void __user *arg)
{
	struct ctdiag_cpu_stats_req req;
	struct ctdiag_cpu_stat st;
	struct ctdiag_cpu_stat __user *ubuf;
	u32 i, n;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	ubuf = u64_to_user_ptr(req.buf);
	n = min_t(u32, req.nr, nr_cpu_ids);
	for (i = 0; i < n; i++) {
		memset(&st, 0, sizeof(st));
		if (cpu_possible(i)) {
			st.written = READ_ONCE(per_cpu(ctdiag_pcpu, i).ring_written);
			st.lost = READ_ONCE(per_cpu(ctdiag_pcpu, i).ring_lost);
			st.next_seq = READ_ONCE(per_cpu(ring_cpu, i).seq);
		}
		if (copy_to_user(&ubuf[i], &st, sizeof(st)))
			return -EFAULT;
	}
	req.nr = n;
	if (copy_to_user(arg, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}
