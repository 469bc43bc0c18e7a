// SPDX-License-Identifier: GPL-2.0
/*
 * fwctl_main.c - fwctl's own main.c, its main() renamed: the command layer's
 * helpers (usage_error, runtime_error, command_help, cli_opt, cli_json)
 * live there, not in libfwctl, and cmd_trace/cmd_check need them.
 */
#define main fwctl_main
#include "../../loader/main.c"
