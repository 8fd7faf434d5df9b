# SPDX-License-Identifier: GPL-2.0
# ctdiag: the CLI (cli/ + lib/) and the kernel module (kprobe/).
#
#   make          build cli/ctdiag and kprobe/ctdiag.ko
#   make demo     the main job, end to end, in a qemu guest
#   make check    all tests (unit, host bats, VM bats)
#   make deps     install build and test dependencies (Debian, idempotent)
#   make bench    benchmarks (numbers, not pass/fail)
#   make install  binary, man pages, bash completion, module (INSTALL_MOD_DIR=extra)

PKG_CONFIG ?= pkg-config
CC ?= gcc
PKGS := libmnl libnetfilter_conntrack libelf liblzma libzstd zlib
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Ilib $(PKG_CFLAGS)
LDLIBS += $(PKG_LIBS) -lm

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL_MOD_DIR ?= extra

# The release: its one definition is CTDIAG_VERSION in lib/ctdiag_abi.h.
VERSION := $(shell sed -n 's/^\#define CTDIAG_VERSION[[:space:]]*"\(.*\)"$$/\1/p' lib/ctdiag_abi.h)

# The kernel the module and the VM tests are built for: a Debian series
# and flavour (tests/vm/kver), or KVER= a release, which wins.  make check
# runs every series and flavour (tests/run-all, VM_KERNELS).
KSERIES ?= 6.1
KFLAVOUR ?= cloud-amd64
export KSERIES KFLAVOUR
KVER ?= $(shell tests/vm/kver 2>/dev/null)
export KVER

LIB_SRCS := $(filter-out lib/%_test.c,$(wildcard lib/*.c))
CLI_SRCS := $(wildcard cli/*.c)
OBJS := $(LIB_SRCS:.c=.o) $(CLI_SRCS:.c=.o)
HDRS := $(wildcard lib/*.h cli/*.h)

all: cli/ctdiag module

cli/ctdiag: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

%.o: %.c $(HDRS)
	$(CC) $(CFLAGS) -c -o $@ $<

# The same program built with AddressSanitizer + UBSan; make check runs the
# host tests against it once (tests/run-all suite host-asan).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
cli/ctdiag-asan: $(LIB_SRCS) $(CLI_SRCS) $(HDRS)
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) $(LDFLAGS) -o $@ $(LIB_SRCS) $(CLI_SRCS) $(LDLIBS)

print-pkgs:
	@echo $(PKGS)

module:
	$(MAKE) -C kprobe

# The modules the VM tests load (ctdiag.ko, its test build with the delay
# and fault knobs, and the helper modules in tests/vm/*/Kbuild) for one
# kernel; tests/vm/run does this itself before each boot.
vm-modules:
	@test -n "$(KVER)" || { echo "no Debian $(KSERIES) $(KFLAVOUR) kernel with headers (make deps)" >&2; exit 1; }
	tests/vm/build-modules $(KVER)

# The kernel's netfilter selftests only, with and without ctdiag.ko, on the
# cloud kernel of each series (tests/vm/selftests).
check-selftests: deps-if-missing
	$(MAKE) test-progs
	SUITES="vm" VM_SELFTESTS=only tests/run-all

# The VM suite on the PREEMPT_RT kernels only (make check runs them too).
check-rt: deps-if-missing
	$(MAKE) test-progs
	SUITES="vm" VM_KERNELS="6.1:rt-amd64 6.12:rt-amd64" tests/run-all

TOOLS_SRCS := $(wildcard tests/tools/*.c)
TOOLS := $(TOOLS_SRCS:.c=)
tests/tools/%: tests/tools/%.c tests/tools/tool.h tests/tools/recfix.h $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS) -lpthread $(shell $(PKG_CONFIG) --libs libnetfilter_queue 2>/dev/null)

# Host-only benchmark programs (tests/bench/bench_*.c), see make bench.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:.c=)
tests/bench/bench_%: tests/bench/bench_%.c lib/ctdiag_abi.h lib/recfile.h tests/tools/recfix.h
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
# bench_rawdump builds its request with lib/ctdump's ct_nl_request().
tests/bench/bench_rawdump: tests/bench/bench_rawdump.c $(LIB_SRCS:.c=.o) $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_SRCS:.c=.o) $(LDLIBS)

# mkleakfix writes recordings with the real writer (lib/recfile), its
# conntrack messages with lib/ctdump's builders.
tests/tools/mkleakfix: tests/tools/mkleakfix.c $(LIB_SRCS:.c=.o) $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_SRCS:.c=.o) $(LDLIBS)
# recchunks prints a CT_MSG's entry with lib/ctmsg's formatter.
tests/tools/recchunks: tests/tools/recchunks.c $(LIB_SRCS:.c=.o) $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_SRCS:.c=.o) $(LDLIBS)
# kptrscan reads recordings with the real reader (lib/recfile).
tests/tools/kptrscan: tests/tools/kptrscan.c lib/recfile.o lib/util.o lib/output.o $(HDRS)
	$(CC) $(CFLAGS) -o $@ $< lib/recfile.o lib/util.o lib/output.o $(LDLIBS)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:.c=)
tests/unit/test_%: tests/unit/test_%.c $(filter-out cli/main.o,$(OBJS)) tests/unit/unit.h
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(filter-out cli/main.o,$(OBJS)) $(LDLIBS)

test-progs: all cli/ctdiag-asan $(TOOLS) $(UNIT_BINS) $(BENCH_BINS)

deps:
	tests/deps.sh

deps-if-missing:
	@tests/deps.sh --if-missing

check: deps-if-missing
	$(MAKE) test-progs
	tests/run-all

check-host: deps-if-missing
	$(MAKE) test-progs
	SUITES="unit host" tests/run-all

check-vm: deps-if-missing
	$(MAKE) test-progs
	SUITES="vm" tests/run-all

demo: deps-if-missing
	$(MAKE) test-progs
	tests/vm/demo

# libFuzzer targets (tests/fuzz/fuzz_*.c), FUZZ_SECONDS each (default 60);
# make check runs them for a few seconds as a smoke test.
FUZZ_SECONDS ?= 60
fuzz: deps-if-missing
	tests/fuzz/run $(FUZZ_SECONDS)

bench: deps-if-missing
	$(MAKE) test-progs
	tests/bench/run

install: all
	install -D -m 0755 cli/ctdiag $(DESTDIR)$(SBINDIR)/ctdiag
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(MANDIR)/man7
	install -m 0644 man/*.7 $(DESTDIR)$(MANDIR)/man7/
	install -D -m 0644 man/ctdiag.bash-completion $(DESTDIR)$(COMPLETIONDIR)/ctdiag
	$(MAKE) -C kprobe modules_install INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) $(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR))

# Source tree for DKMS (kprobe/dkms.conf): dkms add /usr/src/ctdiag-VERSION
dkms-src:
	install -d $(DESTDIR)/usr/src/ctdiag-$(VERSION)/lib
	cp $(filter-out %.mod.c,$(wildcard kprobe/*.c)) kprobe/*.h kprobe/Kbuild kprobe/Makefile kprobe/dkms.conf $(DESTDIR)/usr/src/ctdiag-$(VERSION)/
	sed -i 's/@VERSION@/$(VERSION)/g' $(DESTDIR)/usr/src/ctdiag-$(VERSION)/dkms.conf
	cp lib/ctdiag_abi.h $(DESTDIR)/usr/src/ctdiag-$(VERSION)/lib/

clean:
	rm -f cli/ctdiag cli/ctdiag-asan cli/*.o lib/*.o $(UNIT_BINS) $(TOOLS) $(BENCH_BINS)
	$(MAKE) -C kprobe clean
	rm -rf tests/vm/out

.PHONY: print-pkgs vm-modules check-selftests check-rt fuzz all module deps deps-if-missing check check-host check-vm demo bench install dkms-src clean test-progs
