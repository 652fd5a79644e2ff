/* The subcommands of the fupin command, one file each. Each takes argv
 * starting at the subcommand's name and returns the process exit status. */
#ifndef FP_CLI_H
#define FP_CLI_H

int fupin_extract(int argc, char **argv);
int fupin_run(int argc, char **argv);
int fupin_submit(int argc, char **argv);
int fupin_status(int argc, char **argv);
int fupin_top(int argc, char **argv);
int fupin_keygen(int argc, char **argv);

#endif
