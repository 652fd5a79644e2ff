#!/usr/bin/env python3
"""Writes N distinct reports made from the seeds, with other regions and years.

usage: make_variants.py SEED_DIR OUT_DIR N

Report i is seed i % 5 with its years moved back by (i // 5) % 4, every
third one moved to other leagues and banners, and a line naming i, so
every report has its own content and the totals spread over more keys.
"""
import os
import re
import sys

SWAPS = [("锡林郭勒盟", "乌兰察布市"), ("锡林郭勒", "乌兰察布"), ("太仆寺旗", "化德县"), ("正镶白旗", "商都县"),
         ("科左后旗", "科右前旗"), ("科尔沁左翼后旗", "科尔沁右翼前旗"), ("通辽市", "兴安盟"),
         ("呼伦贝尔市", "赤峰市"), ("呼伦贝尔", "赤峰"), ("达茂旗", "四子王旗"), ("达尔罕茂明安联合旗", "四子王旗"),
         ("包头市", "乌兰察布市")]

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seeds = sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith(".txt"))
texts = [open(p, encoding="utf-8").read() for p in seeds]
os.makedirs(out, exist_ok=True)
for i in range(n):
    t = texts[i % len(texts)]
    back = (i // len(texts)) % 4
    if back:
        t = re.sub(r"(20[12]\d)(年)", lambda m: f"{int(m.group(1)) - back}{m.group(2)}", t)
    if i % 3 == 1:
        for a, b in SWAPS:
            t = t.replace(a, b)
    with open(os.path.join(out, f"v{i:04d}.txt"), "w", encoding="utf-8") as f:
        f.write(t + f"\n(variant {i})\n")
