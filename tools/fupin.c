/* fupin: the command users type.
 *   fupin run [--workers N] [--shards M] [--out DIR] [--watch DIR] [FILE...]
 *   fupin extract FILE...
 *   fupin submit [--to EP] FILE...
 * `run` starts the four daemons as separate processes on ipc:// endpoints in
 * a private runtime folder; `extract` runs the normalize logic in-process. */
#include "cli.h"
#include "fp_log.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: fupin COMMAND [options] [ARGS]\n\n"
               "Turns poverty-alleviation reports into per-region totals.\n\n"
               "Commands:\n"
               "  run [FILE...]     start the pipeline (four daemons), stream the files through, print the totals\n"
               "  extract FILE...   print every figure of the reports as JSON lines (no daemons)\n"
               "  submit FILE...    send reports to a running pipeline's ingest\n"
               "  status EP...      print the counters of running daemons\n"
               "  top               the stages' live counters, as the sink hears them\n"
               "  keygen DIR NAME   write a CURVE key pair (NAME.key, NAME.pub) for running across hosts\n"
               "\n'fupin COMMAND --help' lists its options. Every binary exits 2 on a usage error.\n");
}

int main(int argc, char **argv)
{
    fp_log_init("fupin", FP_LOG_WARN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "extract")) return fupin_extract(argc - 1, argv + 1);
    if (!strcmp(cmd, "run")) return fupin_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "submit")) return fupin_submit(argc - 1, argv + 1);
    if (!strcmp(cmd, "status")) return fupin_status(argc - 1, argv + 1);
    if (!strcmp(cmd, "top")) return fupin_top(argc - 1, argv + 1);
    if (!strcmp(cmd, "keygen")) return fupin_keygen(argc - 1, argv + 1);
    fprintf(stderr, "fupin: error: unknown command '%s' (try fupin --help)\n", cmd);
    return 2;
}
