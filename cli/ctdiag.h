/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommand entry points, registered in main.c's cmds[] table. */
#ifndef CTDIAG_CLI_H
#define CTDIAG_CLI_H

int do_ls(int argc, char **argv);
int do_leaks(int argc, char **argv);
int do_status(int argc, char **argv);
int do_watch(int argc, char **argv);
int do_record(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_doctor(int argc, char **argv);
int do_stale(int argc, char **argv);

#endif
