#!/usr/bin/env python3
"""Compare our neighbour lists with pymatgen and ASE on every CIF of a folder.

    /usr/bin/python3 scripts/graph/compare_neighbors.py FOLDER [--cutoff 8] [--max-neighbors 12] [--limit N] [--all-rows]

For every structure and every atom, the sorted neighbour distances within the cutoff must
equal pymatgen's Structure.get_all_neighbors(r) (what CGCNN uses) and ASE's
neighbor_list to 1e-6 Angstrom, with and without the cap of K nearest neighbours.
Columns:
  geom    our neighbour list on pymatgen's geometry (pure neighbour-list check)
  capK    the first K distances (CGCNN's list before padding) and, separately, atoms whose
          K nearest neighbours differ in species from CGCNN's (pymatgen order, stable
          sort by distance; only possible when a tie straddles the K-th place), and of those
          the ones `predict` does not warn about (its cut splits no shell of equidistant
          neighbours of different elements: must be none)
  parser  our CIF reader + neighbour list, atoms matched to pymatgen's by position
          (reader defaults; pymatgen 2022.11 snaps only 1/3 and 2/3, within 1e-4 relative; any
          geometry difference is reported, not fatal)
Exits 1 when a neighbour list (on pymatgen's geometry) differs by more than the tolerance, or
when an atom's K nearest differ in species from CGCNN's without the warning;
parser geometry differences are reported, not fatal. Needs Debian's python3-ase and
python3-pymatgen and runs our TypeScript with node --import tsx.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
from ase.neighborlist import neighbor_list  # noqa: E402
from pymatgen.core import Structure  # noqa: E402
from pymatgen.io.ase import AseAtomsAdaptor  # noqa: E402

TOL = 1e-6
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def maxdiff(a, b):
    """Max |a-b| over per-atom lists; inf when any list length differs."""
    worst = 0.0
    for x, y in zip(a, b):
        if len(x) != len(y):
            return float("inf")
        if x:
            worst = max(worst, float(np.max(np.abs(np.asarray(x) - np.asarray(y)))))
    return worst if len(a) == len(b) else float("inf")


def parse_line(s):
    return [float(v) for v in s.split()] if s else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--cutoff", type=float, default=8.0)
    ap.add_argument("--max-neighbors", type=int, default=12)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-snap", action="store_true", help="turn off our CIF reader's snapping of 0.3333 to 1/3 etc.")
    ap.add_argument("--all-rows", action="store_true", help="print every structure (default: all when <= 50, else failures only)")
    args = ap.parse_args()
    r, k = args.cutoff, args.max_neighbors
    files = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder) if f.lower().endswith(".cif"))
    if args.limit:
        files = files[: args.limit]
    t0 = time.time()
    structs = [Structure.from_file(f) for f in files]
    t_read = time.time() - t0
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.json")
        out = os.path.join(tmp, "out.ndjson")
        with open(inp, "w") as fh:
            json.dump([{"file": os.path.abspath(f), "lattice": s.lattice.matrix.tolist(), "cart": s.cart_coords.ravel().tolist(),
                        "numbers": list(s.atomic_numbers)} for f, s in zip(files, structs)], fh)
        subprocess.run(["node", "--import", "tsx", os.path.join(ROOT, "scripts/graph/neighbors_dump.ts"), inp, out,
                        "--cutoff", str(r), "--max-neighbors", str(k)] + (["--no-snap"] if args.no_snap else []), check=True, cwd=ROOT)
        ours = [json.loads(line) for line in open(out)]
    rows = []
    failures = 0
    parser_diff = 0
    tie_atoms = 0
    unwarned_atoms = 0
    t_pmg = t_ase = 0.0
    for f, s, o in zip(files, structs, ours):
        t = time.time()
        nb = s.get_all_neighbors(r)
        t_pmg += time.time() - t
        pmg_sorted = [sorted(nn, key=lambda x: x.nn_distance) for nn in nb]  # stable, like CGCNN
        pmg_full = [[n.nn_distance for n in l] for l in pmg_sorted]
        pmg_capz = [sorted(n.specie.Z for n in l[:k]) for l in pmg_sorted]
        t = time.time()
        atoms = AseAtomsAdaptor.get_atoms(s)
        ii, dd = neighbor_list("id", atoms, r)
        t_ase += time.time() - t
        ase_full = [sorted(dd[ii == a].tolist()) for a in range(len(s))]
        geom = [parse_line(x) for x in o["geom"]["full"]]
        capped = [parse_line(x) for x in o["geomCapped"]]
        d_pmg = maxdiff(geom, pmg_full)
        d_ase = maxdiff(geom, ase_full)
        d_cap = maxdiff(capped, [l[:k] for l in pmg_full])
        zdiff = [i for i, (a, b) in enumerate(zip(o["geom"]["capZ"], pmg_capz)) if sorted(a) != b]
        zmis = len(zdiff)
        unwarned = len(set(zdiff) - set(o["mixedCut"]))
        tie_atoms += zmis
        unwarned_atoms += unwarned
        # our own parser: match atoms by position
        d_par = float("nan")
        par_note = ""
        if "oursError" in o:
            par_note = "error: " + o["oursError"][:60]
        else:
            of = np.array(o["oursFrac"]).reshape(-1, 3)
            oz = o["oursNumbers"]
            if len(oz) != len(s):
                par_note = f"{len(oz)} atoms vs {len(s)}"
                d_par = float("inf")
            else:
                pf = s.frac_coords
                mapping = []
                for a in range(len(oz)):
                    diff = pf - of[a]
                    diff -= np.round(diff)
                    dist = np.linalg.norm(diff @ s.lattice.matrix, axis=1)
                    cand = [b for b in np.argsort(dist) if s[int(b)].specie.Z == oz[a]]
                    mapping.append(int(cand[0]) if cand else -1)
                ofull = [parse_line(x) for x in o["ours"]["full"]]
                d_par = maxdiff(ofull, [pmg_full[m] for m in mapping]) if -1 not in mapping else float("inf")
        bad = not (d_pmg <= TOL and d_ase <= TOL and d_cap <= TOL) or unwarned > 0
        par_bad = not (d_par <= TOL)
        failures += bad
        parser_diff += par_bad
        n_edges = sum(len(x) for x in geom)
        status = "FAIL" if bad else ("parser geometry differs" if par_bad else "ok")
        rows.append((os.path.basename(f), len(s), n_edges, sum(len(x) for x in pmg_full), len(dd), d_pmg, d_ase, d_cap, f"{zmis} ({len(o['mixedCut'])} warned, {unwarned} not)", d_par, par_note, status))
    show = rows if (args.all_rows or len(rows) <= 50) else [x for x in rows if x[-1] != "ok"]
    hdr = f"| file | atoms | edges ours / pymatgen / ASE | geom max|Δd| vs pymatgen | vs ASE | cap{k} max|Δd| | cap{k} species≠ atoms (atoms warned, species≠ not warned) | parser max|Δd| | ok |"
    print(f"cutoff {r} Å, cap {k}, tolerance {TOL} Å, {len(files)} structures from {args.folder}\n")
    print(hdr)
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for (name, n, e, ep, ea, d1, d2, d3, z, d4, note, status) in show:
        par = note if note else f"{d4:.1e}"
        print(f"| {name} | {n} | {e} / {ep} / {ea} | {d1:.1e} | {d2:.1e} | {d3:.1e} | {z} | {par} | {status} |")
    worst = lambda i: max((x[i] for x in rows), default=0.0)  # noqa: E731
    print(f"\nstructures: {len(rows)}, neighbour-list failures: {failures}, parser geometry != pymatgen's: {parser_diff}; worst |Δd|: vs pymatgen {worst(5):.1e}, vs ASE {worst(6):.1e}, "
          f"cap {worst(7):.1e}, parser {max((x[9] for x in rows if x[9] == x[9]), default=0.0):.1e}; "
          f"atoms whose {k} nearest differ in species from CGCNN's choice (ties at the cut): {tie_atoms}, of them without predict's warning: {unwarned_atoms}")
    print(f"time: pymatgen read {t_read:.1f}s, get_all_neighbors {t_pmg:.1f}s, ASE neighbor_list {t_ase:.1f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
