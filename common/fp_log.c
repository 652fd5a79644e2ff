#include "fp_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char g_prog[64] = "fupin";
static enum fp_log_level g_level = FP_LOG_INFO;

void fp_log_init(const char *prog, enum fp_log_level level)
{
    snprintf(g_prog, sizeof g_prog, "%s", prog);
    g_level = level;
}

const char *fp_log_prog(void) { return g_prog; }

int fp_log_level_parse(const char *name)
{
    static const char *names[] = {"debug", "info", "warn", "error", "quiet"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) return i;
    return -1;
}

void fp_log(enum fp_log_level level, const char *fmt, ...)
{
    static const char *tags[] = {"DEBUG", "INFO", "WARN", "ERROR", ""};
    if (level < g_level) return;
    char line[2048];
    int n = snprintf(line, sizeof line, "%s[%d] %s ", g_prog, (int)getpid(), tags[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line so lines from several daemons sharing a terminal do not interleave. */
    fprintf(stderr, "%s\n", line);
}
