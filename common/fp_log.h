/* fp_log: the one logging module. Every daemon and library reports here.
 * Lines go to stderr as "<prog>[pid] LEVEL message". */
#ifndef FP_LOG_H
#define FP_LOG_H

enum fp_log_level { FP_LOG_DEBUG = 0, FP_LOG_INFO, FP_LOG_WARN, FP_LOG_ERROR, FP_LOG_QUIET };

/* Sets the program name shown on every line and the lowest level printed. */
void fp_log_init(const char *prog, enum fp_log_level level);
/* Parses "debug|info|warn|error|quiet"; returns -1 when the name is unknown. */
int fp_log_level_parse(const char *name);
void fp_log(enum fp_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *fp_log_prog(void);

#define fp_debug(...) fp_log(FP_LOG_DEBUG, __VA_ARGS__)
#define fp_info(...) fp_log(FP_LOG_INFO, __VA_ARGS__)
#define fp_warn(...) fp_log(FP_LOG_WARN, __VA_ARGS__)
#define fp_error(...) fp_log(FP_LOG_ERROR, __VA_ARGS__)

#endif
