// SPDX-License-Identifier: GPL-2.0
/* lib/recfile.c: round trip, truncation, garbage, newer versions. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include "recfile.h"
#include "unit.h"

static char *tmpname(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/ctdiag-unit-recfile.XXXXXX");
	close(mkstemp(path));
	unlink(path);
	return path;
}

static void write_sample(const char *path, int nevents)
{
	struct recfile_writer w;
	struct ctdiag_event ev = { .size = sizeof(ev), .type = CTDIAG_EV_EXT_ALLOC };
	struct recfile_ct_line l = { .netns = 7, .len = 5 };
	int i;

	if (recfile_create(&w, path, true, NULL, 0))
		abort();
	for (i = 0; i < nevents; i++) {
		ev.seq = i;
		recfile_append(&w, RECFILE_EVENT, &ev, sizeof(ev));
	}
	recfile_append2(&w, RECFILE_CT_LINE, &l, sizeof(l), "hello", 5);
	recfile_finish(&w, 3);
}

TEST(round_trip)
{
	struct recfile rf;
	struct recfile_chunk c;
	int n = 0, ret, lines = 0, end = 0;
	char *path = tmpname();

	write_sample(path, 10);
	CHECK(recfile_open(&rf, path) == 0);
	while ((ret = recfile_next(&rf, &c)) == 1) {
		if (c.type == RECFILE_EVENT) {
			const struct ctdiag_event *ev = c.data;

			CHECK(ev->seq == (uint64_t)n);
			n++;
		} else if (c.type == RECFILE_CT_LINE) {
			const struct recfile_ct_line *l = c.data;

			CHECK(l->netns == 7);
			CHECK_STR((const char *)(l + 1), "hello");
			lines++;
		} else if (c.type == RECFILE_END) {
			const struct recfile_end *e = c.data;

			CHECK(e->events == 10 && e->lost == 3);
			end++;
		}
	}
	CHECK(ret == 0);
	CHECK(n == 10 && lines == 1 && end == 1);
	recfile_close(&rf);
	unlink(path);
}

/* A CT_MSG chunk: its message back byte for byte; a message whose own
 * length disagrees with the chunk's is damage. */
TEST(ct_msg_round_trip_and_length_check)
{
	struct recfile_writer w;
	struct recfile rf;
	struct recfile_chunk c;
	char *path = tmpname();
	union {
		struct nlmsghdr h;
		char b[64];
	} msg;
	uint32_t bad;
	int fd, ret, n = 0;

	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_len = 37;
	memset(msg.b + sizeof(msg.h), 0x5a, 37 - sizeof(msg.h));
	CHECK(recfile_create(&w, path, true, NULL, 0) == 0);
	CHECK(recfile_append_ct_msg(&w, 9, &msg.h) == 0);
	CHECK(recfile_finish(&w, 0) == 0);
	CHECK(recfile_open(&rf, path) == 0);
	CHECK(rf.hdr.version == RECFILE_VERSION);
	while ((ret = recfile_next(&rf, &c)) == 1) {
		if (c.type == RECFILE_CT_MSG) {
			const struct recfile_ct_msg *m = c.data;

			CHECK(c.len == sizeof(*m) + 37);
			CHECK(m->netns == 9 && m->len == 37);
			CHECK(!memcmp(m + 1, msg.b, 37));
			n++;
		}
	}
	CHECK(ret == 0 && n == 1);
	recfile_close(&rf);
	/* the message's nlmsg_len, after the chunk and CT_MSG headers */
	bad = 36;
	fd = open(path, O_RDWR);
	CHECK(pwrite(fd, &bad, sizeof(bad), 256 + 8 + 8) == sizeof(bad));
	close(fd);
	CHECK(recfile_open(&rf, path) == 0);
	CHECK(recfile_next(&rf, &c) == -EBADMSG);
	CHECK(strstr(rf.err, "offset 256: conntrack message length mismatch") != NULL);
	recfile_close(&rf);
	unlink(path);
}

TEST(truncated_file_reads_complete_records_then_errors_with_offset)
{
	struct recfile rf;
	struct recfile_chunk c;
	char *path = tmpname();
	int n = 0, ret;
	off_t full = 256 + 3 * (8 + 232);

	write_sample(path, 5);
	CHECK(truncate(path, full + 100) == 0);	/* inside the 4th event */
	CHECK(recfile_open(&rf, path) == 0);
	while ((ret = recfile_next(&rf, &c)) == 1)
		n++;
	CHECK(n == 3);
	CHECK(ret == -ENODATA);
	CHECK(strstr(rf.err, "offset 976: truncated record") != NULL);
	recfile_close(&rf);
	unlink(path);
}

TEST(bad_magic_and_newer_version)
{
	struct recfile rf;
	char *path = tmpname();
	struct recfile_header h;
	int fd;

	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	CHECK(write(fd, "garbage garbage garbage", 23) == 23);
	close(fd);
	CHECK(recfile_open(&rf, path) == -EBADMSG);
	CHECK(strstr(rf.err, "offset 0: bad magic") != NULL);
	recfile_close(&rf);

	write_sample(path, 1);
	fd = open(path, O_RDWR);
	CHECK(read(fd, &h, sizeof(h)) == sizeof(h));
	h.version = RECFILE_VERSION + 1;
	CHECK(pwrite(fd, &h, sizeof(h), 0) == sizeof(h));
	close(fd);
	CHECK(recfile_open(&rf, path) == -EPROTONOSUPPORT);
	CHECK(strstr(rf.err, "newer than this ctdiag reads") != NULL);
	recfile_close(&rf);
	unlink(path);
}

TEST(garbage_chunk_is_an_error_not_a_crash)
{
	struct recfile rf;
	struct recfile_chunk c;
	char *path = tmpname();
	uint32_t junk[2] = { RECFILE_EVENT, 0xfffffff0u };
	int fd, ret, n = 0;

	write_sample(path, 2);
	fd = open(path, O_RDWR);
	CHECK(pwrite(fd, junk, sizeof(junk), 256 + 8 + 232) == sizeof(junk));
	close(fd);
	CHECK(recfile_open(&rf, path) == 0);
	while ((ret = recfile_next(&rf, &c)) == 1)
		n++;
	CHECK(n == 1);
	CHECK(ret == -EBADMSG);
	CHECK(strstr(rf.err, "offset 496: garbage chunk header") != NULL);
	recfile_close(&rf);
	unlink(path);
}

UNIT_MAIN()
