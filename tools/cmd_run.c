#include "cli.h"
#include <stdio.h>
int fupin_run(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "fupin: run: not built yet\n"); return 1; }
