#!/usr/bin/python3
"""Every frame of VASP outputs (and other trajectory files) as ASE 3.22 reads them, as JSON.

Usage: /usr/bin/python3 scripts/data/ase_frames.py FILE... > golden.json

Per file: {"file", "format", "frames", "energy": [...], "freeEnergy": [...], "species": [...] (last
frame), "cell", "positions", "forces", "stress"} (the last frame's; forces without constraints
applied: `get_forces(apply_constraint=False)`, the raw forces of the file), or {"file", "error"}.
The format is given to ASE from the name (vasprun → vasp-xml, OUTCAR → vasp-out, XDATCAR →
vasp-xdatcar; a `.gz`/`.bz2`/`.xz` suffix is opened by ASE itself), since ASE's own name patterns
miss names such as `vasprun.xml-001`. ASE 3.22's OUTCAR reader cannot open a compressed file (it
asks the decompressing file object for a `name`): such an OUTCAR is decompressed to a temporary
file first, which changes nothing in what ASE reads.
"""
import bz2
import gzip
import json
import lzma
import os
import sys
import tempfile
import warnings

import ase
import ase.io

assert ase.__version__.startswith('3.22'), ase.__version__


def ase_format(path):
    base = os.path.basename(path)
    for suffix in ('.gz', '.bz2', '.xz'):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    low = base.lower()
    if 'vasprun' in low:
        return 'vasp-xml'
    if 'outcar' in low:
        return 'vasp-out'
    if 'xdatcar' in low:
        return 'vasp-xdatcar'
    if 'poscar' in low or 'contcar' in low:
        return 'vasp'
    return None


OPENERS = {'.gz': gzip.open, '.bz2': bz2.open, '.xz': lzma.open}


def read_all(path, fmt):
    suffix = os.path.splitext(path)[1]
    if fmt == 'vasp-out' and suffix in OPENERS:
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, os.path.basename(path)[: -len(suffix)])
            with OPENERS[suffix](path, 'rb') as src, open(plain, 'wb') as dst:
                dst.write(src.read())
            return ase.io.read(plain, index=':', format=fmt)
    return ase.io.read(path, index=':', format=fmt)


def one(path):
    fmt = ase_format(path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        images = read_all(path, fmt)
    out = {'file': path, 'format': fmt, 'frames': len(images), 'energy': [], 'freeEnergy': []}
    for a in images:
        calc = a.calc
        res = calc.results if calc is not None else {}
        out['energy'].append(float(res['energy']) if res.get('energy') is not None else None)
        out['freeEnergy'].append(float(res['free_energy']) if res.get('free_energy') is not None else None)
    last = images[-1]
    res = last.calc.results if last.calc is not None else {}
    out['species'] = last.get_chemical_symbols()
    out['cell'] = last.cell.array.tolist()
    out['positions'] = last.positions.tolist()
    out['forces'] = last.get_forces(apply_constraint=False).tolist() if res.get('forces') is not None else None
    out['stress'] = res['stress'].tolist() if res.get('stress') is not None else None
    return out


def main(paths):
    rows = []
    for p in paths:
        try:
            rows.append(one(p))
        except Exception as e:  # ASE fails on this file: say how
            rows.append({'file': p, 'format': ase_format(p), 'error': f'{type(e).__name__}: {e}'})
    json.dump(rows, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1:])
