// SPDX-License-Identifier: GPL-2.0
/* lib/output.c and lib/util.c: one code path, two formats. */
#include <errno.h>
#include <stdlib.h>
#include "output.h"
#include "unit.h"
#include "util.h"

static char *render(bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	out_init(fp, json);
	open_json_object(NULL);
	print_string(PRINT_ANY, "proto", "%s ", "udp");
	print_uint(PRINT_ANY, "dport", "dport=%llu", 53);
	open_json_array("tags");
	print_string(PRINT_JSON, NULL, NULL, "a\"b\n");
	close_json_array();
	print_bool(PRINT_JSON, "ok", NULL, true);
	print_nl();
	close_json_object();
	fclose(fp);
	out_init(stdout, false);
	return buf;
}

TEST(plain_and_json_from_one_path)
{
	char *p = render(false), *j = render(true);

	CHECK_STR(p, "udp dport=53\n");
	CHECK_STR(j, "{\"proto\":\"udp\",\"dport\":53,\"tags\":[\"a\\\"b\\n\"],\"ok\":true}\n");
	free(p);
	free(j);
}

TEST(parse_u64_is_strict)
{
	uint64_t v = 0;
	uint32_t w = 0;

	CHECK(parse_u64("42", &v, 100) == 0 && v == 42);
	CHECK(parse_u64("101", &v, 100) == -ERANGE);
	CHECK(parse_u64("-1", &v, 100) == -EINVAL);
	CHECK(parse_u64("12abc", &v, 100) == -EINVAL);
	CHECK(parse_u64("", &v, 100) == -EINVAL);
	CHECK(parse_u32("4294967296", &w) == -ERANGE);
	CHECK(parse_u32("0x10", &w) == 0 && w == 16);
}

UNIT_MAIN()
