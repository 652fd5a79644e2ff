#!/usr/bin/env python3
"""Converts gold TSV files to the figure JSON lines fupin takes with --figures.

usage: gold_to_jsonl.py GOLD_DIR > figures.jsonl
"""
import csv
import json
import os
import sys

for name in sorted(os.listdir(sys.argv[1])):
    if not name.endswith(".tsv"):
        continue
    with open(os.path.join(sys.argv[1], name), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            print(json.dumps({"source": row["doc"], "text": row["text"], "value": row["value"],
                              "unit": row["unit"], "counter": row["counter"], "qualifier": row["qualifier"],
                              "relation": row["relation"], "region_path": row["region"],
                              "year": int(row["year"]) if row["year"] else None, "metric": row["metric"],
                              "optional": int(row["optional"] or 0)}, ensure_ascii=False))
