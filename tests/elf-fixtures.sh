#!/bin/bash
# Build the ELF fixtures for ctdiag doctor's tests into DIR (default: a new
# temporary directory, printed on stdout).  Everything is compiled with
# gcc -c / linked with ld from the C below, or derived from those files with
# standard tools (head, xz, zstd, gzip): never hand-edited binaries.
#
#   DIR/good/kernel/net/...        a module tree whose callers are known:
#     netfilter/nf_conntrack.ko      stand-in core: defines the probe points,
#                                    a const nf_conntrack_hook, and calls
#                                    nf_ct_destroy from nf_ct_delete
#     netfilter/caller.ko            calls it from my_put (1) and helper (2)
#     netfilter/nocall.ko            only holds its address in data
#     sched/caller-xz.ko.xz          caller.ko, xz-compressed
#     openvswitch/caller_zst.ko.zst  caller.ko, zstd-compressed
#     bridge/caller-gz.ko.gz         caller.ko, gzip-compressed
#   DIR/builtin/   modules.builtin lists nf_conntrack; kernel/net/netfilter/
#     caller.ko is the only module
#   DIR/old/kernel/net/netfilter/nf_conntrack.ko   no nf_ct_destroy, no
#     nf_ct_resolve_clash, a writable nf_conntrack_hook (pre-5.17 style)
#   DIR/bad/kernel/net/netfilter/{truncated.ko,notelf.ko,corrupt.ko.xz}
#   DIR/vmlinux-relocs   linked executable with --emit-relocs (callers
#                        start_kernel and nf_ct_delete)
#   DIR/vmlinux-norelocs the same without relocations
#   DIR/vmlinux-truncated, DIR/notelf
set -euo pipefail
dir=${1:-$(mktemp -d)}
mkdir -p "$dir/src"
cd "$dir"
CC=${CC:-gcc}
CFLAGS="-O1 -fno-inline -fno-optimize-sibling-calls -fno-pic -fno-asynchronous-unwind-tables"

cat >src/caller.c <<'C'
void nf_ct_destroy(void *ct);
volatile int sink;
void my_put(void *ct) { nf_ct_destroy(ct); sink = 1; }
static void helper(void *a, void *b) { nf_ct_destroy(a); nf_ct_destroy(b); sink = 2; }
void (*keep_helper)(void *, void *) = helper;
C
cat >src/nocall.c <<'C'
void nf_ct_destroy(void *ct);
void nf_conntrack_destroy(void *ct);
void (*destroy_ptr)(void *) = nf_ct_destroy;
void my_put(void *ct) { nf_conntrack_destroy(ct); }
C
cat >src/ct.c <<'C'
struct ops { void (*destroy)(void *); int (*confirm)(void *); };
volatile void *sink;
void nf_ct_destroy(void *ct) { sink = ct; }
int __nf_conntrack_confirm(void *skb) { return skb != 0; }
__attribute__((noinline, used)) static int nf_ct_resolve_clash(void *skb) { return skb != 0; }
__attribute__((noinline, used)) static int nf_conntrack_update(void *skb) { return skb == 0; }
void nf_conntrack_free(void *ct) { (void)ct; }
void nf_ct_delete(void *ct) { nf_ct_destroy(ct); sink = 0; }
__attribute__((used)) static const struct ops nf_conntrack_hook = {
	.destroy = nf_ct_destroy, .confirm = __nf_conntrack_confirm };
__attribute__((used, section(".modinfo"))) static const char vm[] =
	"vermagic=9.9.9-fixture SMP mod_unload";
C
cat >src/ct_old.c <<'C'
struct ops { void (*destroy)(void *); int (*confirm)(void *); };
volatile void *dying;
__attribute__((noinline, used)) static void nf_ct_add_to_dying_list(void *ct) { dying = ct; }
static void destroy_conntrack(void *ct) { (void)ct; }
int __nf_conntrack_confirm(void *skb) { return skb != 0; }
void nf_conntrack_free(void *ct) { (void)ct; }
__attribute__((used)) static struct ops nf_conntrack_hook = {
	.destroy = destroy_conntrack, .confirm = __nf_conntrack_confirm };
__attribute__((used, section(".modinfo"))) static const char vm[] =
	"vermagic=5.10.0-fixture SMP mod_unload";
C
cat >src/vmlinux.c <<'C'
volatile void *sink;
void nf_ct_destroy(void *ct) { sink = ct; }
void nf_ct_delete(void *ct) { nf_ct_destroy(ct); sink = 0; }
int __nf_conntrack_confirm(void *skb) { return skb != 0; }
__attribute__((noinline, used)) static int nf_ct_resolve_clash(void *skb) { return skb != 0; }
__attribute__((noinline, used)) static int nf_conntrack_update(void *skb) { return skb == 0; }
__attribute__((used)) static const void *const nf_conntrack_hook[2] = { nf_ct_destroy, 0 };
__attribute__((used)) static const char banner[] = "Linux version 9.9.9-fixture";
void start_kernel(void) { nf_ct_destroy((void *)0); nf_ct_delete((void *)0); for (;;) ; }
void _start(void) { start_kernel(); }
C

for f in caller nocall ct ct_old vmlinux; do
	$CC $CFLAGS -c -o "src/$f.o" "src/$f.c"
done
$CC -nostdlib -static -no-pie -Wl,--emit-relocs -o vmlinux-relocs src/vmlinux.o
$CC -nostdlib -static -no-pie -o vmlinux-norelocs src/vmlinux.o
head -c 600 vmlinux-relocs >vmlinux-truncated
echo "this is not an ELF file" >notelf

g=good/kernel/net
mkdir -p $g/netfilter $g/sched $g/openvswitch $g/bridge
cp src/ct.o $g/netfilter/nf_conntrack.ko
cp src/caller.o $g/netfilter/caller.ko
cp src/nocall.o $g/netfilter/nocall.ko
xz -c src/caller.o >$g/sched/caller-xz.ko.xz
zstd -q -c src/caller.o >$g/openvswitch/caller_zst.ko.zst
gzip -c src/caller.o >$g/bridge/caller-gz.ko.gz

# nf_conntrack built in (modules.builtin), for the --vmlinux cases.
mkdir -p builtin/kernel/net/netfilter
echo kernel/net/netfilter/nf_conntrack.ko >builtin/modules.builtin
cp src/caller.o builtin/kernel/net/netfilter/caller.ko

mkdir -p old/kernel/net/netfilter
cp src/ct_old.o old/kernel/net/netfilter/nf_conntrack.ko

b=bad/kernel/net/netfilter
mkdir -p $b
cp src/ct.o $b/nf_conntrack.ko
cp src/caller.o $b/caller.ko
# Cut inside the section header table, at the end of the file.
size=$(stat -c %s src/caller.o)
head -c $((size - 100)) src/caller.o >$b/truncated.ko
cp notelf $b/notelf.ko
xz -c src/caller.o | head -c 200 >$b/corrupt.ko.xz
echo "$dir"
