#!/usr/bin/env python3
"""Converts gold TSV files to the figure JSON lines fupin takes with --figures.

usage: gold_to_jsonl.py GOLD_DIR [DOCS_DIR] > figures.jsonl

With DOCS_DIR (the reports the gold is of), each figure is found in its
report, in order, and gets its sentence and offset, so normalize can map it
to its indicator the way it maps extracted figures.
"""
import csv
import json
import os
import re
import sys

MARKS = re.compile("[。！？!?\n]")


def sentence_at(text, start, end):
    a = max((m.end() for m in MARKS.finditer(text, 0, start)), default=0)
    m = MARKS.search(text, end)
    return text[a:m.start() if m else len(text)].strip()


docs = sys.argv[2] if len(sys.argv) > 2 else None
for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".tsv"):
        continue
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    text, cursor = "", 0
    if docs and rows and os.path.exists(os.path.join(docs, rows[0]["doc"])):
        text = open(os.path.join(docs, rows[0]["doc"]), encoding="utf-8").read()
    for row in rows:
        fig = {"source": row["doc"], "text": row["text"], "value": row["value"],
               "unit": row["unit"], "counter": row["counter"], "qualifier": row["qualifier"],
               "relation": row["relation"], "region_path": row["region"],
               "year": int(row["year"]) if row["year"] else None, "metric": row["metric"],
               "optional": int(row["optional"] or 0)}
        i = text.find(row["text"], cursor) if text else -1
        if i >= 0:
            cursor = i + len(row["text"])
            fig["sentence"] = sentence_at(text, i, cursor)
            fig["offset"] = len(text[:i].encode("utf-8"))
        print(json.dumps(fig, ensure_ascii=False))
