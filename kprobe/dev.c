// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/ctdiag: misc device, mode 0600, CAP_NET_ADMIN or CAP_SYS_ADMIN at
 * open.  Read access makes the opener the (single) reader; O_WRONLY opens
 * are control handles for ioctls (see lib/ctdiag_abi.h).
 *
 * The ring records only while the reader is open (ring.c).  fops.owner
 * pins the module while any handle is open, so rmmod fails while a reader
 * sleeps in read() and the ring can never go away under it.  Code
 * addresses (u.destroy.caller) reach only readers with CAP_SYSLOG, the
 * rule /proc/kallsyms applies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include "ctdiag.h"

static atomic_t reader_busy = ATOMIC_INIT(0);

static int ctdiag_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_NET_ADMIN) && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (file->f_mode & FMODE_READ) {
		int ret;

		if (atomic_cmpxchg(&reader_busy, 0, 1) != 0)
			return -EBUSY;
		ret = ctdiag_ring_reader_start(file_ns_capable(file,
						&init_user_ns, CAP_SYSLOG));
		if (ret) {
			atomic_set(&reader_busy, 0);
			return ret;
		}
	}
	return 0;
}

static int ctdiag_release(struct inode *inode, struct file *file)
{
	if (file->f_mode & FMODE_READ) {
		ctdiag_ring_reader_stop();
		atomic_set(&reader_busy, 0);
	}
	return 0;
}

static ssize_t ctdiag_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	return ctdiag_ring_read(buf, count, file->f_flags & O_NONBLOCK);
}

static __poll_t ctdiag_poll(struct file *file, poll_table *wait)
{
	return ctdiag_ring_poll(file, wait);
}

static long ctdiag_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case CTDIAG_IOC_VERSION: {
		u32 v = CTDIAG_ABI_VERSION;

		return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case CTDIAG_IOC_INFO: {
		struct ctdiag_info info;

		ctdiag_info_fill(&info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case CTDIAG_IOC_COUNTERS: {
		struct ctdiag_counters c;

		ctdiag_counters_fill(&c);
		return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : 0;
	}
	case CTDIAG_IOC_FEATURES: {
		struct ctdiag_features f;

		ctdiag_features_fill(&f);
		return copy_to_user(uarg, &f, sizeof(f)) ? -EFAULT : 0;
	}
	case CTDIAG_IOC_SNAPSHOT:
		return ctdiag_store_snapshot(uarg);
	case CTDIAG_IOC_CPU_STATS:
		return ctdiag_ring_cpu_stats(uarg);
	case CTDIAG_IOC_SET_FILTER: {
		struct ctdiag_filter f;

		/* The filter belongs to the reader, not to control handles. */
		if (!(file->f_mode & FMODE_READ))
			return -EBADF;
		if (copy_from_user(&f, uarg, sizeof(f)))
			return -EFAULT;
		return ctdiag_ring_set_filter(&f);
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations ctdiag_fops = {
	.owner		= THIS_MODULE,
	.open		= ctdiag_open,
	.release	= ctdiag_release,
	.read		= ctdiag_read,
	.poll		= ctdiag_poll,
	.unlocked_ioctl	= ctdiag_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice ctdiag_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= CTDIAG_MODULE_NAME,
	.fops	= &ctdiag_fops,
	.mode	= 0600,
};

int ctdiag_dev_init(void)
{
	return misc_register(&ctdiag_misc);
}

void ctdiag_dev_exit(void)
{
	misc_deregister(&ctdiag_misc);
}
