// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "dev.h"
#include "util.h"

/* ABI version the module reported on the last -EPROTO (0: no ioctl). */
static __u32 last_module_abi;

const char *ctdiag_dev_path(void)
{
	const char *p = getenv("CTDIAG_DEVICE");

	return p && *p ? p : CTDIAG_DEVICE;
}

int ctdiag_module_loaded(void)
{
	return access("/sys/module/" CTDIAG_MODULE_NAME, F_OK) == 0;
}

int ctdiag_dev_open_quiet(int flags, struct ctdiag_info *info)
{
	struct ctdiag_info tmp;
	__u32 ver = 0;
	int fd, err;

	fd = open(ctdiag_dev_path(), flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, CTDIAG_IOC_VERSION, &ver) < 0) {
		err = errno == ENOTTY ? -EPROTO : -errno;
		last_module_abi = 0;
		close(fd);
		return err;
	}
	if (ver != CTDIAG_ABI_VERSION) {
		close(fd);
		last_module_abi = ver;
		return -EPROTO;
	}
	if (ioctl(fd, CTDIAG_IOC_INFO, info ? info : &tmp) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ctdiag_dev_open(int flags, struct ctdiag_info *info)
{
	int fd = ctdiag_dev_open_quiet(flags, info);
	const char *path = ctdiag_dev_path();

	if (fd >= 0)
		return fd;
	switch (-fd) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		if (!ctdiag_module_loaded())
			p_err("cannot open %s: module not loaded (insmod ctdiag.ko)",
			      path);
		else
			p_err("cannot open %s: device node missing although the module is loaded (check udev/devtmpfs)",
			      path);
		break;
	case EACCES:
	case EPERM:
		p_err("cannot open %s: permission denied (needs root or CAP_NET_ADMIN)",
		      path);
		break;
	case EBUSY:
		p_err("cannot open %s: another reader has it open (one ctdiag watch/record at a time)",
		      path);
		break;
	case EPROTO:
		if (!last_module_abi)
			p_err("cannot use %s: not a ctdiag device (no version ioctl; wrong path or a much older module?)",
			      path);
		else
			p_err("cannot use %s: module ABI version %u, this ctdiag speaks %d (rebuild or reload matching versions)",
			      path, last_module_abi, CTDIAG_ABI_VERSION);
		break;
	default:
		p_err("cannot open %s: %s", path, strerror(-fd));
	}
	return fd;
}

int ctdiag_dev_counters(int fd, struct ctdiag_counters *c)
{
	if (ioctl(fd, CTDIAG_IOC_COUNTERS, c) < 0)
		return -errno;
	return 0;
}
