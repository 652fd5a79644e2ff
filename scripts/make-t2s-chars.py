#!/usr/bin/env python3
"""Writes data/t2s-chars.txt: every character of the Basic Multilingual Plane's
CJK blocks that OpenCC's traditional-to-simplified conversion (t2s) changes.

usage: scripts/make-t2s-chars.py [OUT]

The decoder reads it to run OpenCC only on text that holds one of them (most
reports hold none, and the conversion was most of decoding's time). It asks
the `opencc` command (Debian package opencc) itself, so the list is the
conversion's own; run it again when OpenCC's dictionaries change.
"""
import subprocess
import sys

RANGES = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)]
chars = [chr(c) for lo, hi in RANGES for c in range(lo, hi + 1)]
out = subprocess.run(["opencc", "-c", "t2s.json"], input="\n".join(chars) + "\n", capture_output=True,
                     text=True, check=True).stdout.split("\n")
changed = [c for c, o in zip(chars, out) if o != c]
path = sys.argv[1] if len(sys.argv) > 1 else "data/t2s-chars.txt"
with open(path, "w", encoding="utf-8") as f:
    f.write("# Characters OpenCC's t2s changes (scripts/make-t2s-chars.py); the decoder converts only text that\n")
    f.write("# holds one. One line of characters per 64, no separators.\n")
    for i in range(0, len(changed), 64):
        f.write("".join(changed[i:i + 64]) + "\n")
print(f"{len(changed)} characters -> {path}")
