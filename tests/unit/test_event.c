// SPDX-License-Identifier: GPL-2.0
/* lib/evnames.c, lib/event.c, lib/evfilter.c, lib/evcount.c: names, -e
 * parsing, filters with the kernel's semantics, per-CPU sequence tracking,
 * and printing of odd records. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "evcount.h"
#include "event.h"
#include "evfilter.h"
#include "evnames.h"
#include "output.h"
#include "unit.h"

static struct ctdiag_event mkev(int type, const char *src, const char *dst,
				int sport, int dport)
{
	struct ctdiag_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = type;
	ev.l3num = strchr(src, ':') ? AF_INET6 : AF_INET;
	ev.protonum = IPPROTO_UDP;
	ev.orig.l3num = ev.l3num;
	ev.orig.protonum = IPPROTO_UDP;
	inet_pton(ev.l3num, src, ev.orig.src);
	inet_pton(ev.l3num, dst, ev.orig.dst);
	ev.orig.sport = sport;
	ev.orig.dport = dport;
	return ev;
}

TEST(every_type_and_reason_has_a_name)
{
	unsigned int i;

	for (i = 1; i < CTDIAG_EV_MAX; i++)
		CHECK(event_type_name(i) != NULL);
	for (i = 1; i < CTDIAG_FREE_MAX; i++)
		CHECK(free_path_name(i) != NULL);
	for (i = 1; i < CTDIAG_CLASH_MAX; i++)
		CHECK(clash_outcome_name(i) != NULL);
	for (i = 1; i < CTDIAG_ALLOC_MAX; i++)
		CHECK(alloc_how_name(i) != NULL);
	CHECK(event_type_name(CTDIAG_EV_MAX) == NULL);
	CHECK(event_type_name(60000) == NULL);
	CHECK(free_path_name(CTDIAG_FREE_MAX) == NULL);
}

TEST(event_mask_parse_names_all_and_errors)
{
	const char *bad = NULL;
	uint32_t m = 0;

	CHECK(event_mask_parse("alloc,free", &m, &bad) == 0);
	CHECK(m == (1u << CTDIAG_EV_EXT_ALLOC | 1u << CTDIAG_EV_EXT_FREE));
	CHECK(event_mask_parse("all", &m, &bad) == 0);
	CHECK(!(m & (1u << CTDIAG_EV_LOST)));
	CHECK(m & (1u << CTDIAG_EV_CONFIRM_EARLY));
	CHECK(event_mask_parse("clash,nope", &m, &bad) == -EINVAL);
	CHECK_STR(bad, "nope");
	/* loss is never filtered, so it is not a selectable type */
	CHECK(event_mask_parse("lost", &m, &bad) == -EINVAL);
	CHECK(event_mask_parse(",", &m, &bad) == -EINVAL);
}

TEST(filter_prefixes_ports_and_family)
{
	struct ctdiag_filter f;
	struct ctdiag_event ev = mkev(CTDIAG_EV_EXT_ALLOC, "10.1.2.3",
				      "10.9.9.9", 1000, 53);

	memset(&f, 0, sizeof(f));
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_addr(&f, false, "10.1.0.0/16") == 0);
	CHECK(f.src_plen == 16 && f.l3num == AF_INET);
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_addr(&f, false, "10.1.2.0/31") == 0);
	CHECK(!event_filter_match(&f, &ev));
	CHECK(filter_set_addr(&f, false, "10.1.2.0/30") == 0);
	CHECK(event_filter_match(&f, &ev));
	/* a second family conflicts */
	CHECK(filter_set_addr(&f, true, "fd00::1") == -EINVAL);
	CHECK(filter_set_addr(&f, true, "10.9.9.9/33") == -EINVAL);
	CHECK(filter_set_addr(&f, true, "10.9.9") == -EINVAL);
	CHECK(filter_set_port(&f, true, "53") == 0);
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_port(&f, false, "1001") == 0);
	CHECK(!event_filter_match(&f, &ev));
	CHECK(filter_set_port(&f, false, "65536") == -EINVAL);
	/* ports as ls (and conntrack) read them, with lib/ctfilter's parser:
	 * decimal only, so --dport 010 is 10 and 0x14 is an error */
	CHECK(filter_set_port(&f, true, "010") == 0);
	CHECK(f.dport == 10);
	CHECK(filter_set_port(&f, true, "0x14") == -EINVAL);

	memset(&f, 0, sizeof(f));
	CHECK(filter_set_addr(&f, false, "fd00::/8") == 0);
	CHECK(!event_filter_match(&f, &ev));	/* family differs */
	ev = mkev(CTDIAG_EV_EXT_FREE, "fd00::5", "fd00::6", 1, 2);
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_proto(&f, "tcp") == 0);
	CHECK(!event_filter_match(&f, &ev));
	CHECK(filter_set_proto(&f, "17") == 0);
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_proto(&f, "bogus") == -EINVAL);
	/* protocol names as ls takes them: any case, then /etc/protocols */
	CHECK(filter_set_proto(&f, "UDP") == 0);
	CHECK(f.protonum == 17);
	CHECK(filter_set_proto(&f, "igmp") == 0);
	CHECK(f.protonum == 2);
}

TEST(filter_events_zone_netns_and_lost_always_passes)
{
	struct ctdiag_filter f;
	struct ctdiag_event ev = mkev(CTDIAG_EV_CLASH, "1.1.1.1", "2.2.2.2",
				      1, 2);
	struct ctdiag_event lost;

	memset(&f, 0, sizeof(f));
	memset(&lost, 0, sizeof(lost));
	lost.type = CTDIAG_EV_LOST;
	CHECK(filter_set_events(&f, "free", NULL) == 0);
	CHECK(!event_filter_match(&f, &ev));
	CHECK(event_filter_match(&f, &lost));
	CHECK(filter_set_events(&f, "clash", NULL) == 0);
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_zone(&f, "7") == 0);
	CHECK(!event_filter_match(&f, &ev));
	ev.zone = 7;
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_netns(&f, "4026531999") == 0);
	CHECK(!event_filter_match(&f, &ev));
	CHECK(event_filter_match(&f, &lost));
	ev.netns = 4026531999u;
	CHECK(event_filter_match(&f, &ev));
	CHECK(filter_set_netns(&f, "/nonexistent/ns") == -ENOENT);
	CHECK(filter_set_zone(&f, "65536") == -EINVAL);
}

TEST(seq_tracking_gaps_and_late_lost)
{
	struct seq_tracker t = { 0 };
	struct ctdiag_event ev = mkev(CTDIAG_EV_EXT_ALLOC, "1.1.1.1",
				      "2.2.2.2", 1, 2);
	uint64_t first = 0;

	ev.cpu = 3;
	ev.seq = 10;
	CHECK(seq_track(&t, &ev, &first) == 0);	/* first sight: baseline */
	ev.seq = 11;
	CHECK(seq_track(&t, &ev, &first) == 0);
	ev.seq = 15;
	CHECK(seq_track(&t, &ev, &first) == 3);
	CHECK(first == 12);
	/* a LOST record for 12..14 arriving late is not counted again */
	ev.type = CTDIAG_EV_LOST;
	ev.u.lost.first_seq = 12;
	ev.u.lost.count = 3;
	CHECK(seq_track(&t, &ev, &first) == -1);
	/* a LOST record announcing 16..19, then seq 20: no gap */
	ev.u.lost.first_seq = 16;
	ev.u.lost.count = 4;
	CHECK(seq_track(&t, &ev, &first) == 0);
	ev.type = CTDIAG_EV_EXT_FREE;
	ev.seq = 20;
	CHECK(seq_track(&t, &ev, &first) == 0);
	/* other CPUs are independent */
	ev.cpu = 0;
	ev.seq = 1000;
	CHECK(seq_track(&t, &ev, &first) == 0);
	seq_tracker_free(&t);
}

TEST(print_unknown_enum_values_as_numbers)
{
	struct ctdiag_event ev = mkev(CTDIAG_EV_EXT_FREE, "1.1.1.1",
				      "2.2.2.2", 1, 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	ev.u.free.path = 99;
	ev.u.free.how = 77;
	out_init(fp, true);
	event_print(&ev);
	ev.type = 0;
	event_print(&ev);
	fclose(fp);
	out_init(stdout, false);
	CHECK(strstr(buf, "\"path\":\"99\",\"how\":\"77\"") != NULL);
	CHECK(strstr(buf, "\"event\":\"type-0\"") != NULL);
	CHECK(strstr(buf, "\"schema\":1,") != NULL);
	free(buf);
}

UNIT_MAIN()
