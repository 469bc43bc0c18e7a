/* SPDX-License-Identifier: GPL-2.0 */
/* real.h - the checks of the real datapath (real.c). */
#ifndef CT_REAL_H
#define CT_REAL_H

/* fwctl attached to if_in/if_out; checks whose name holds only (NULL: all). */
int real_main(const char *if_in, const char *if_out, const char *only);

#endif /* CT_REAL_H */
