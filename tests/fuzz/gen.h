/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gen.h - a deterministic frame generator for differential fuzzing: valid
 * frames of every kind the spec names, their truncations at every byte,
 * Ethernet padding, mutations of every header field the spec reads, and
 * random bytes after an Ethernet header. Same seed, same frames.
 */
#ifndef FUZZ_GEN_H
#define FUZZ_GEN_H

#include <stdint.h>
#include <stddef.h>

/* BPF_PROG_TEST_RUN takes XDP frames up to a page minus head and tail room. */
#define GEN_FRAME_MAX	3400
#define GEN_FIELDS_MAX	64

/* A header field the spec reads: bits `mask` of the 1- or 2-byte value at off. */
struct gen_field {
	uint16_t off;
	uint8_t width;		/* 1 or 2 (big endian) */
	uint16_t mask;
	const char *name;
};

struct gen_frame {
	uint8_t b[GEN_FRAME_MAX];
	size_t len;
	char kind[96];		/* how it was made, for reports */
	struct gen_field fld[GEN_FIELDS_MAX];
	int nfld;
};

struct gen {
	uint64_t state;
	/* A running sweep: every truncation of base, from len 14 upwards. */
	struct gen_frame base;
	size_t sweep_next;	/* 0: no sweep running */
};

void gen_init(struct gen *g, uint64_t seed);
/* Next frame of the stream (always >= 14 bytes). */
void gen_next(struct gen *g, struct gen_frame *out);
uint64_t gen_rand(struct gen *g);

#endif
