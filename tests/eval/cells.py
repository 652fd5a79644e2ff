#!/usr/bin/env python3
"""Reference cells, by the rules of SPEC.md "Totals" and aggregate/store.h,
written apart from the C code so each checks the other.

usage: cells.py --data DIR --figures FILE.jsonl [--curated] --compare TOTALS.csv

Reads figure JSON lines (as `fupin extract` prints them, with indicator,
series and weight), builds every cell (region, year, indicator, series,
unit): stated by precedence (curated, weight, larger, first in source
order; a value that is another rounded is the same fact), status, facts,
reports; then rolls flows, stocks and running counts in additive units up
the region tree (value and target series), with coverage of the node's
children in data/regions.tsv. Compares with the sink's totals.csv and
prints each row that differs or is missing; exit status 1 if any does.
"""
import argparse
import csv
import json
import sys
from collections import defaultdict
from decimal import Decimal

ADDITIVE = {"CNY", "person", "person_time", "household", "mu", "head", "km",
            "kW", "kWh", "kg", "sqm", "count"}


def unit_of_precision(v):
    """The last nonzero digit's place of v (an exact decimal), as a Decimal power of ten."""
    if v == 0:
        return None
    s = v.normalize()
    return Decimal(1).scaleb(s.as_tuple().exponent)


def rounds_to(fine, coarse):
    pc, pf = unit_of_precision(coarse), unit_of_precision(fine)
    if pc is None or pf is None or pc <= pf or coarse < 0 or fine < 0:
        return False
    if coarse / pc < 10:
        return False
    return ((fine + pc / 2) // pc) * pc == coarse


def choose(facts):
    """facts: [(value, curated, exact, weight)] in statement order -> (best index, group list, groups)."""
    group = []
    for i, f in enumerate(facts):
        g = i
        for j in range(i):
            if group[j] != j:
                continue
            if facts[j][0] == f[0] or rounds_to(f[0], facts[j][0]) or rounds_to(facts[j][0], f[0]):
                g = j
                break
        group.append(g)
    best = None
    for i in range(len(facts)):
        if group[i] != i:
            continue
        members = [facts[j] for j in range(len(facts)) if group[j] == i]
        key = (max(m[1] for m in members), max(m[3] for m in members), facts[i][0])
        if best is None or key > best[0]:
            best = (key, i)
    return best[1], group, len(set(group))


def load_regions(path):
    code_of, parent, nchildren = {}, {}, defaultdict(int)
    name, par = {}, {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        code, p, level, n = line.rstrip("\n").split("\t")[:4]
        name[code], par[code] = n, p
        if p:
            nchildren[p] += 1
    path_of = {}
    for code in name:
        parts, c = [], code
        while c and c != "0":
            parts.append(name[c])
            c = par.get(c, "")
        path_of[code] = "/".join(reversed(parts))
    for code, p in path_of.items():
        code_of[p] = code
        parent[code] = par[code] if par[code] != "0" else ""
    return code_of, path_of, parent, nchildren


def load_indicators(path):
    kinds = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        col = line.rstrip("\n").split("\t")
        kinds[col[0]] = col[4]
    return kinds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--figures", required=True)
    ap.add_argument("--curated", action="store_true", help="the figures came in as curated figures")
    ap.add_argument("--compare", required=True)
    a = ap.parse_args()
    code_of, path_of, parent, nchildren = load_regions(a.data + "/regions.tsv")
    kinds = load_indicators(a.data + "/indicators.tsv")

    mentions = defaultdict(list)
    for n, line in enumerate(open(a.figures, encoding="utf-8")):
        if not line.strip():
            continue
        f = json.loads(line)
        key = (f["region_code"] if "region_code" in f else code_of[f["region_path"]], f.get("year") or 0,
               f["indicator"], f.get("series") or "value", f["unit"])
        order = (f.get("source", ""), f.get("offset", 0), n)
        mentions[key].append((order, Decimal(str(f["value"])), a.curated, f.get("qualifier") == "exact",
                              0 if a.curated else int(f.get("weight", 0)), f.get("source", "")))
    cells = {}
    for key, ms in mentions.items():
        ms.sort(key=lambda m: m[0])
        facts = [(m[1], m[2], m[3], m[4]) for m in ms]
        best, group, ng = choose(facts)
        exact = any(group[i] == best and facts[i][2] for i in range(len(facts)))
        cells[key] = {"stated": facts[best][0], "status": "conflict" if ng > 1 else "exact" if exact else "approx",
                      "facts": len(ms), "reports": len({m[5] for m in ms})}

    def rolls(ind, series, unit):
        return kinds.get(ind) in ("flow", "stock", "running") and unit in ADDITIVE and series in ("value", "target")

    rows = {}
    for key, c in cells.items():
        rows[key] = dict(c, rollup=None, coverage=0)
        code = key[0]
        if not rolls(*key[2:]) or code not in path_of:
            continue
        while parent.get(code):
            code = parent[code]
            rows.setdefault((code,) + key[1:], {"stated": None, "status": "", "facts": 0, "reports": 0,
                                                "rollup": None, "coverage": 0})
    depth = lambda code: path_of.get(code, "").count("/")
    for key in sorted(rows, key=lambda k: -depth(k[0])):
        r = rows[key]
        r["best"] = r["stated"] if r["stated"] is not None else r["rollup"]
        if r["best"] is None or not rolls(*key[2:]) or not parent.get(key[0]):
            continue
        p = rows.get((parent[key[0]],) + key[1:])
        if p is not None:
            p["rollup"] = (p["rollup"] or 0) + r["best"]
            p["coverage"] += 1

    def fmt(v):
        return "" if v is None else str(v)

    want = {}
    for key, r in rows.items():
        cov = f"{r['coverage']}/{nchildren[key[0]]}" if rolls(*key[2:]) and nchildren[key[0]] else ""
        want[(key[0], str(key[1] or ""), key[2], key[3], key[4])] = (
            fmt(r["stated"] if r["stated"] is None else Decimal(r["stated"]).normalize()), r["status"],
            fmt(r["rollup"] if r["rollup"] is None else Decimal(r["rollup"]).normalize()), cov,
            fmt(r["best"] if r["best"] is None else Decimal(r["best"]).normalize()), str(r["facts"]), str(r["reports"]))
    got = {}
    for r in csv.DictReader(open(a.compare, encoding="utf-8")):
        d = lambda s: str(Decimal(s).normalize()) if s else ""
        got[(r["region_code"], r["year"], r["indicator"], r["series"], r["unit"])] = (
            d(r["stated"]), r["status"], d(r["rollup"]), r["coverage"], d(r["best"]), r["facts"], r["reports"])
    bad = 0
    for k in sorted(set(want) | set(got)):
        if want.get(k) != got.get(k):
            bad += 1
            if bad <= 20:
                print(f"{'|'.join(map(str, k))}: reference {want.get(k)} published {got.get(k)}")
    print(f"cells: {len(want)} reference, {len(got)} published, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
