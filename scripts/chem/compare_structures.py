#!/usr/bin/env python3
"""Compare Latticework's structure readers with ASE 3.22 and pymatgen 2022.11 on real files.

For every structure file under the given folders/files (*.cif, *.vasp, POSCAR*, CONTCAR*, *.xyz,
*.extxyz) it reads the file with our readers (node scripts/chem/dump_structures.mjs), with ASE
(ase.io.read, all frames) and, for CIF and POSCAR, with pymatgen (CifParser.get_structures(
primitive=False), Poscar.from_file), and checks per structure:
  composition (element -> count, occupancies summed), number of sites (pymatgen: distinct
  positions), lattice parameters within 1e-4 A (angles 1e-4 deg), every reference site matched
  by one of ours of the same element within 1e-3 A up to a lattice translation.
Prints one table row per file and reference (match / MISMATCH reason / we-fail / ref-fail) and
the counts.  Usage:
  /usr/bin/python3 scripts/chem/compare_structures.py [--verbose] [--ase-only] PATH...
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import warnings
from collections import Counter

import numpy as np

warnings.filterwarnings('ignore')
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
LAT_TOL = 1e-4
SITE_TOL = 1e-3


def is_structure_file(name):
    b = name.lower()
    return b.endswith(('.cif', '.vasp', '.xyz', '.extxyz')) or b.startswith(('poscar', 'contcar'))


def collect(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, _, fs in os.walk(p):
                out += [os.path.join(d, f) for f in sorted(fs) if is_structure_file(f)]
        else:
            out.append(p)
    return sorted(out)


def ours(files):
    with tempfile.NamedTemporaryFile('w', delete=False, suffix='.txt') as f:
        f.write('\n'.join(files))
        lst = f.name
    res = subprocess.run(['node', os.path.join(ROOT, 'scripts/chem/dump_structures.mjs'), '--list', lst],
                         capture_output=True, text=True, cwd=ROOT)
    os.unlink(lst)
    if res.returncode != 0:
        sys.exit('dump_structures failed: ' + res.stderr[-2000:])
    return {r['file']: r for r in map(json.loads, res.stdout.splitlines())}


def cellpar(m):
    m = np.asarray(m, float)
    a, b, c = (np.linalg.norm(v) for v in m)
    ang = lambda u, v: math.degrees(math.acos(max(-1, min(1, np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))))
    return np.array([a, b, c, ang(m[1], m[2]), ang(m[0], m[2]), ang(m[0], m[1])])


def ref_ase(path):
    import ase.io
    fmt = None
    b = os.path.basename(path).lower()
    if b.endswith('.vasp') or b.startswith(('poscar', 'contcar')):
        fmt = 'vasp'
    elif b.endswith('.xyz') or b.endswith('.extxyz'):
        fmt = 'extxyz'
    frames = ase.io.read(path, index=':', format=fmt)
    out = []
    for a in frames:
        periodic = a.pbc.any() and a.cell.rank == 3
        occ = None
        if 'occupancy' in a.info:
            occ = a.info['occupancy']
        sites = []
        for i, (z, sym) in enumerate(zip(a.numbers, a.get_chemical_symbols())):
            sites.append((int(z), 1.0))
        out.append({
            'numbers': [int(z) for z in a.numbers],
            'occ': [1.0] * len(a),
            'lattice': a.cell.array.tolist() if periodic else None,
            'frac': a.get_scaled_positions(wrap=False).tolist() if periodic else None,
            'cart': a.positions.tolist(),
            'disordered': bool(occ) and any(any(v < 1 - 1e-6 for v in d.values()) for d in occ.values()),
        })
    return out


def ref_pymatgen(path):
    b = os.path.basename(path).lower()
    if b.endswith('.cif'):
        from pymatgen.io.cif import CifParser
        structs = CifParser(path).get_structures(primitive=False)
    elif b.endswith('.vasp') or b.startswith(('poscar', 'contcar')):
        from pymatgen.io.vasp import Poscar
        structs = [Poscar.from_file(path, check_for_POTCAR=False).structure]
    else:
        return None
    out = []
    for s in structs:
        nums, occ, frac = [], [], []
        for site in s:
            for sp, o in site.species.items():
                nums.append(sp.Z)
                occ.append(float(o))
                frac.append(site.frac_coords.tolist())
        out.append({'numbers': nums, 'occ': occ, 'lattice': s.lattice.matrix.tolist(), 'frac': frac,
                    'cart': None, 'positions': len(s), 'disordered': not s.is_ordered})
    return out


def composition(numbers, occ):
    c = Counter()
    for z, o in zip(numbers, occ):
        c[z] += o
    return {k: round(v, 4) for k, v in c.items() if round(v, 4) != 0}


def n_positions(st):
    """Distinct positions of our structure (sites sharing a position count once)."""
    if st['lattice'] is None:
        pts = np.array(st['cart']).reshape(-1, 3)
        return len({tuple(np.round(p, 3)) for p in pts})
    L = np.array(st['lattice'])
    f = np.array(st['frac']).reshape(-1, 3)
    seen = []
    for p in f:
        if not any(np.linalg.norm(((p - q) - np.round(p - q)) @ L) < 0.01 for q in seen):
            seen.append(p)
    return len(seen)


def compare(o, r, ref_name):
    """Return None when equal, else a short reason."""
    oc = composition(o['numbers'], o['occupancy'])
    rc = composition(r['numbers'], r['occ'])
    if oc != rc:
        return f'composition {dict(sorted(oc.items()))} vs {dict(sorted(rc.items()))}'
    n_ours = n_positions(o) if 'positions' in r else len(o['numbers'])
    n_ref = r['positions'] if 'positions' in r else len(r['numbers'])
    if n_ours != n_ref:
        return f'nSites {n_ours} vs {n_ref}'
    if (o['lattice'] is None) != (r['lattice'] is None):
        return 'periodic vs molecule'
    if o['lattice'] is None:
        A = np.array(o['cart']).reshape(-1, 3)
        B = np.array(r['cart']).reshape(-1, 3)
        for z, p in zip(r['numbers'], B):
            d = np.linalg.norm(A - p, axis=1)
            d[np.array(o['numbers']) != z] = np.inf
            if d.min() > SITE_TOL:
                return f'site Z={z} at {p.round(4).tolist()} unmatched ({d.min():.2e} A)'
        return None
    po, pr = cellpar(o['lattice']), cellpar(r['lattice'])
    if np.abs(po - pr).max() > LAT_TOL:
        return f'lattice {po.round(5).tolist()} vs {pr.round(5).tolist()}'
    L = np.array(o['lattice'])
    F = np.array(o['frac']).reshape(-1, 3)
    onum = np.array(o['numbers'])
    for z, f in zip(r['numbers'], np.array(r['frac']).reshape(-1, 3)):
        d = F - f
        d -= np.round(d)
        dist = np.linalg.norm(d @ L, axis=1)
        dist[onum != z] = np.inf
        if dist.min() > SITE_TOL:
            return f'site Z={z} at frac {f.round(4).tolist()} unmatched (nearest {dist.min():.2e} A)'
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    verbose = '--verbose' in sys.argv
    ase_only = '--ase-only' in sys.argv
    files = collect(args)
    mine = ours(files)
    counts = Counter()
    rows = []
    for path in files:
        o = mine[path]
        for ref_name, fn in (('ase', ref_ase), ('pymatgen', ref_pymatgen)):
            if ase_only and ref_name != 'ase':
                continue
            try:
                refs = fn(path)
            except Exception as e:  # noqa: BLE001 - a reference failure is a data point
                refs = e
            if refs is None:
                continue
            if isinstance(refs, Exception):
                status = 'both-fail' if not o['ok'] else 'ref-fail'
                detail = f'{type(refs).__name__}: {str(refs)[:90]}'
            elif not o['ok']:
                status, detail = 'we-fail', o['error']['message'][:120]
            elif len(refs) != len(o['structures']):
                status, detail = 'MISMATCH', f'{len(o["structures"])} structures vs {len(refs)}'
            else:
                reasons = []
                for k, (os_, rs) in enumerate(zip(o['structures'], refs)):
                    why = compare(os_, rs, ref_name)
                    if why:
                        tag = ' (ref disordered)' if rs.get('disordered') else ''
                        reasons.append(f'[{k}] {why}{tag}')
                status = 'MISMATCH' if reasons else 'match'
                detail = '; '.join(reasons)[:200]
            counts[(ref_name, status)] += 1
            rows.append((path, ref_name, status, detail))
    for path, ref, status, detail in rows:
        if verbose or status != 'match':
            print(f'{status:9} {ref:8} {os.path.relpath(path)}  {detail}')
    print()
    print(f'{len(files)} files')
    print('| reference | match | MISMATCH | we-fail | ref-fail | both-fail |')
    print('| --- | --- | --- | --- | --- | --- |')
    for ref in ('ase', 'pymatgen'):
        c = [counts[(ref, s)] for s in ('match', 'MISMATCH', 'we-fail', 'ref-fail', 'both-fail')]
        if sum(c):
            print(f'| {ref} | ' + ' | '.join(map(str, c)) + ' |')


if __name__ == '__main__':
    main()
