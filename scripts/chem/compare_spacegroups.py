#!/usr/bin/env python3
"""Space groups: Latticework (moyo) against spglib (Debian's python3-spglib) on real CIFs.

For every CIF under the given paths it runs `latticework structure info --json --symprec S` (our
reader and moyo) and compares each structure's space-group number with spglib's at the same
tolerance on two inputs:
  same-cell  spglib.get_symmetry_dataset on exactly the cell we read (our lattice, fractional
             positions, and one type per distinct site content, as we type them): the finder alone;
  pymatgen   pymatgen's CifParser(...).get_structures(primitive=False) and SpacegroupAnalyzer
             (spglib inside, symprec S, default angle tolerance): what a pymatgen user gets from
             the file; structures that pymatgen reads with another composition are counted apart.
Prints the disagreements and one summary line per reference; --json writes the per-file table.
--golden OUT writes {file: spglib's number on the same cell} with paths relative to the repository
(test/fixtures/chem/spacegroups.json is made so, see test/fixtures/chem/spacegroups/README.md).
Usage: /usr/bin/python3 scripts/chem/compare_spacegroups.py [--symprec 0.01] [--json OUT] [--golden OUT] PATH...
"""
import argparse
import json
import os
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import spglib

warnings.filterwarnings("ignore")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, fs in os.walk(p):
                out += [os.path.join(d, f) for f in sorted(fs) if f.lower().endswith(".cif")]
        else:
            out.append(p)
    return sorted(out)


def ours(files, symprec):
    cmd = ["node", os.path.join(ROOT, "bin", "latticework.mjs"), "structure", "info", "--json", "--symprec", str(symprec)]
    res = subprocess.run(cmd + files, capture_output=True, text=True, cwd=ROOT)
    if res.returncode not in (0, 1):
        sys.exit("latticework structure info failed: " + res.stderr[-2000:])
    return json.loads(res.stdout)


def dumped(files):
    """Our parsed cells (lattice, frac, numbers, occupancy) per file, from dump_structures.mjs."""
    lst = os.path.join(ROOT, "test-results", "spacegroup-files.txt")
    os.makedirs(os.path.dirname(lst), exist_ok=True)
    with open(lst, "w") as f:
        f.write("\n".join(files))
    res = subprocess.run(["node", os.path.join(ROOT, "scripts/chem/dump_structures.mjs"), "--list", lst], capture_output=True, text=True, cwd=ROOT)
    return {r["file"]: r for r in map(json.loads, res.stdout.splitlines())}


def typed_cell(s):
    """One spglib type per distinct site content, partial sites at one position grouped (as src-main/chem/spacegroup.ts)."""
    frac = np.array(s["frac"]).reshape(-1, 3)
    groups = []
    for i, z in enumerate(s["numbers"]):
        occ = s["occupancy"][i]
        g = None
        if occ < 1:
            for h in groups:
                if np.all(np.abs(h["frac"] - frac[i]) < 1e-4):
                    g = h
                    break
        if g is None:
            groups.append({"frac": frac[i], "content": [(z, occ)]})
        else:
            g["content"].append((z, occ))
    kinds = {}
    types = []
    for g in groups:
        key = tuple(sorted((z, round(o, 4)) for z, o in g["content"]))
        types.append(kinds.setdefault(key, len(kinds) + 1))
    return (np.array(s["lattice"]), np.array([g["frac"] for g in groups]), types)


def spglib_number(cell, symprec):
    d = spglib.get_symmetry_dataset(cell, symprec=symprec)
    return None if d is None else d["number"]


def pymatgen_numbers(path, symprec):
    from pymatgen.io.cif import CifParser
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    out = []
    for s in CifParser(path).get_structures(primitive=False):
        comp = {str(k): v for k, v in s.composition.get_el_amt_dict().items()}
        try:
            n = SpacegroupAnalyzer(s, symprec=symprec).get_space_group_number()
        except Exception:  # noqa: BLE001
            n = None
        out.append((n, comp))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--symprec", type=float, default=0.01)
    ap.add_argument("--json")
    ap.add_argument("--golden")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    files = collect(a.paths)
    records = ours(files, a.symprec)
    cells = dumped(files)
    by_file = {}
    for r in records:
        by_file.setdefault(r["file"], []).append(r)
    counts = {"same-cell": Counter(), "pymatgen": Counter()}
    rows = []
    for f in files:
        recs = by_file.get(f, [])
        if not recs or "error" in recs[0]:
            counts["same-cell"]["we fail"] += 1
            rows.append({"file": f, "ours": None, "error": recs[0]["error"]["message"] if recs else "no output"})
            continue
        dump = cells.get(f)
        try:
            pm = pymatgen_numbers(f, a.symprec)
        except Exception as e:  # noqa: BLE001
            pm = None
            pm_err = str(e)[:120]
        for k, r in enumerate(recs):
            mine = r["spaceGroup"]["number"] if r["spaceGroup"] else None
            same = None
            if dump and dump.get("ok") and k < len(dump["structures"]) and dump["structures"][k]["lattice"]:
                same = spglib_number(typed_cell(dump["structures"][k]), a.symprec)
            verdict = "agree" if same == mine else "DISAGREE"
            counts["same-cell"][verdict] += 1
            row = {"file": f, "block": r["block"], "formula": r["formula"], "ours": mine, "spglib": same}
            if pm is None:
                counts["pymatgen"]["pymatgen fails"] += 1
                row["pymatgen"] = "fails: " + pm_err
            elif k < len(pm):
                n, comp = pm[k]
                same_comp = {e: round(v, 4) for e, v in comp.items()} == {e: round(v, 4) for e, v in r["composition"].items()}
                if not same_comp:
                    counts["pymatgen"]["other composition"] += 1
                    row["pymatgen"] = f"{n} (reads another composition)"
                else:
                    counts["pymatgen"]["agree" if n == mine else "DISAGREE"] += 1
                    row["pymatgen"] = n
            rows.append(row)
            if verdict != "agree" or (isinstance(row.get("pymatgen"), int) and row["pymatgen"] != mine):
                print(f"{f} [{r['block']}] {r['formula']}: ours {mine}, spglib same cell {same}, pymatgen {row.get('pymatgen')}")
    for ref, c in counts.items():
        agree = c["agree"]
        compared = agree + c["DISAGREE"]
        pct = 100.0 * agree / compared if compared else 0.0
        rest = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k not in ("agree", "DISAGREE"))
        print(f"{ref}: {agree}/{compared} agree ({pct:.2f} %) at symprec {a.symprec}" + (f"; {rest}" if rest else ""))
    if a.golden:
        golden = {}
        for r in rows:
            if r.get("spglib") is not None:
                golden.setdefault(os.path.relpath(r["file"], ROOT), []).append(r["spglib"])
        with open(a.golden, "w") as f:
            f.write('{"symprec": %s, "generator": "scripts/chem/compare_spacegroups.py --golden", "spglib": "%s", "numbers": {\n' % (a.symprec, spglib.__version__))
            f.write(",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(golden.items())))
            f.write("\n}}\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"symprec": a.symprec, "counts": {k: dict(v) for k, v in counts.items()}, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
