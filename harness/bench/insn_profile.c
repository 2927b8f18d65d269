// SPDX-License-Identifier: GPL-2.0
/*
 * insn_profile: a QEMU TCG plugin that counts the guest instructions
 * executed at kernel addresses, per translation block, for
 * `harness/rust-gup profile`.
 *
 * For every translation block that starts at a kernel address (top bit
 * set: x86-64 and arm64 alike) it keeps the number of times the block ran
 * and the instructions it holds. With start=ADDR,stop=ADDR (user-space
 * addresses of two marker functions of a static, non-PIE program) it
 * counts only between an execution of the first and one of the second,
 * so that what the program does between them is all the profile holds;
 * without, the whole run is counted. At exit it writes "pc insns execs" lines
 * (hex pc, decimal counts, summed over retranslations of the same pc) to
 * the file given as out=PATH. harness/bench/profile.py turns them into
 * instructions and entries per kernel function with the kernel's
 * System.map. A block is counted whole: one that ends early (a fault in
 * the middle) still counts all its instructions, rare enough on the paths
 * this is for.
 *
 * The few plugin API declarations it needs are written here (QEMU's
 * qemu-plugin.h is not packaged in Debian); the API version is 4, which
 * QEMU 10.0 (Debian trixie's) implements, and the functions used are
 * there since version 1.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb_t cb,
				    void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);

__attribute__((visibility("default"))) int qemu_plugin_version = 4;

struct block {
	uint64_t pc;
	uint64_t insns;
	uint64_t execs;
};

/* Open addressing on pc; a kernel's hot blocks are a few tens of thousands. */
#define TABLE_BITS 20
#define TABLE_SIZE (1UL << TABLE_BITS)

static struct block *table;
static uint64_t start_pc, stop_pc;
static int counting = 1;
static unsigned long used;
static int full;
static char *out_path;

static struct block *lookup(uint64_t pc, uint64_t insns)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ULL) >> (64 - TABLE_BITS);
	unsigned long i;

	for (i = 0; i < TABLE_SIZE; i++, h = (h + 1) & (TABLE_SIZE - 1)) {
		struct block *b = &table[h];

		if (b->pc == pc)
			return b;
		if (!b->pc) {
			/* Leave a quarter free: probes stay short. */
			if (used >= TABLE_SIZE / 4 * 3)
				return NULL;
			used++;
			b->pc = pc;
			b->insns = insns;
			return b;
		}
	}
	return NULL;
}

static void on_exec(unsigned int vcpu_index, void *userdata)
{
	struct block *b = userdata;

	(void)vcpu_index;
	if (counting)
		b->execs++;
}

static void on_marker(unsigned int vcpu_index, void *userdata)
{
	(void)vcpu_index;
	counting = userdata == &start_pc;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	(void)id;
	if (!(pc >> 63)) {
		if (start_pc && pc == start_pc)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_marker,
							     QEMU_PLUGIN_CB_NO_REGS, &start_pc);
		else if (stop_pc && pc == stop_pc)
			qemu_plugin_register_vcpu_tb_exec_cb(tb, on_marker,
							     QEMU_PLUGIN_CB_NO_REGS, &stop_pc);
		return;
	}
	b = lookup(pc, qemu_plugin_tb_n_insns(tb));
	if (!b) {
		full = 1;
		return;
	}
	/*
	 * A retranslation of the same pc can end at another instruction
	 * (a breakpoint, an icount budget): keep the largest, the usual one.
	 */
	if (qemu_plugin_tb_n_insns(tb) > b->insns)
		b->insns = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

static void on_atexit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");
	unsigned long i;

	(void)id;
	(void)userdata;
	if (!f) {
		perror(out_path);
		return;
	}
	if (full)
		fprintf(f, "# table full: some blocks not counted\n");
	for (i = 0; i < TABLE_SIZE; i++)
		if (table[i].pc && table[i].execs)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				table[i].pc, table[i].insns, table[i].execs);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_path = strdup(argv[i] + 4);
		else if (!strncmp(argv[i], "start=", 6))
			start_pc = strtoull(argv[i] + 6, NULL, 16);
		else if (!strncmp(argv[i], "stop=", 5))
			stop_pc = strtoull(argv[i] + 5, NULL, 16);
	if (!out_path) {
		fprintf(stderr, "insn_profile: out=PATH is required\n");
		return -1;
	}
	if (!start_pc != !stop_pc) {
		fprintf(stderr, "insn_profile: start= and stop= go together\n");
		return -1;
	}
	counting = !start_pc;
	table = calloc(TABLE_SIZE, sizeof(*table));
	if (!table)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
	return 0;
}
