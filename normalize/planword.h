/* Plan words as nouns: what may follow a plan word (计划, 目标, 任务) that ends its phrase there, so it
 * plans nothing after it (实施三年行动计划、…; 规划等; 《…规划》). relations.c (plans_in) and
 * indicate.c (plan_governs) ask it alike; each asks its own clause marks besides. */
#ifndef FP_PLANWORD_H
#define FP_PLANWORD_H

#include <stddef.h>
#include <string.h>

/* 1 when t[e..len) starts with 、 等 和 》, or 的 when of_noun is set (占年度计划的82.3%: a plan's
 * base). */
static inline int fp_plan_noun_after(const char *t, size_t len, size_t e, int of_noun)
{
    if (e + 3 > len) return 0;
    const char *p = t + e;
    return !memcmp(p, "、", 3) || !memcmp(p, "等", 3) || !memcmp(p, "和", 3) || !memcmp(p, "》", 3) ||
           (of_noun && !memcmp(p, "的", 3));
}

#endif
