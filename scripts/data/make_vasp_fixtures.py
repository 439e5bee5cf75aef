#!/usr/bin/python3
"""Build test/fixtures/vasp: real VASP outputs from public test corpora, a few files derived from
them, and golden.json with ASE 3.22's reading of every one (scripts/data/ase_frames.py).

Usage: /usr/bin/python3 scripts/data/make_vasp_fixtures.py CORPUS_DIR

CORPUS_DIR holds checkouts of the source repositories at the commits below, one folder per
repository named `owner+name` (e.g. `git clone https://github.com/phonopy/phonopy
CORPUS_DIR/phonopy+phonopy && git -C CORPUS_DIR/phonopy+phonopy checkout COMMIT`). Only data
files are taken, never code; each keeps its repository's licence (all three are MIT or BSD-3:
see test/fixtures/vasp/README.md). Files are stored xz-compressed (or as their source compressed
them), which also exercises the compressed readers.

Derived files (made here, from the real ones):
- `derived/vasprun_truncated.xml.gz`: the 28-step ISIF=3 relaxation cut in the middle of step 12,
  as a killed run leaves it (complete steps + a warning);
- `derived/XDATCAR_variable_cell`: that relaxation's 28 cells and positions written as VASP 6
  writes an XDATCAR with a changing cell (the header repeated before every frame);
- `derived/vasp4/POSCAR` + `derived/vasp4/POTCAR`: a VASP 4 POSCAR without species line and a
  POTCAR-like file of TITEL lines beside it (species read from the POTCAR, as ASE does);
- `derived/OUTCAR_truncated.bz2`: an OUTCAR cut inside its fourth ionic step;
- `derived/vasprun_selective.xml.xz`: phonopy's NaCl displacement run with selective-dynamics
  flags added to its initial structure (atom 1 fixed, atom 2 free along z only), as VASP writes
  them for a POSCAR with `Selective dynamics`.
"""
import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'vasp')

SOURCES = {
    'materialsproject+custodian': 'e22cc8853e29c5534024045e2d628ffa027fe83a',
    'aiida-vasp+parsevasp': '9d78ad4c0bb953e533b7608977bd1bd04b21ea97',
    'phonopy+phonopy': '3a3e0f099da5de2556e75d72ea89b3bb22c8e97e',
}

# (repository, path in it, stored name under test/fixtures/vasp/<repository>/)
FILES = [
    ('materialsproject+custodian', 'tests/files/postprocess/vasprun.xml', 'postprocess/vasprun.xml.xz'),
    ('materialsproject+custodian', 'tests/files/postprocess/OUTCAR', 'postprocess/OUTCAR.xz'),
    ('materialsproject+custodian', 'tests/files/io/vasprun.xml.gz', 'io/vasprun.xml.gz'),
    ('materialsproject+custodian', 'tests/files/io/OUTCAR.gz', 'io/OUTCAR.gz'),
    ('materialsproject+custodian', 'tests/files/OUTCAR_auto_nbands', 'OUTCAR_auto_nbands.xz'),
    ('materialsproject+custodian', 'tests/files/max_force/vasprun.xml', 'max_force/vasprun.xml.xz'),
    ('materialsproject+custodian', 'tests/files/npt_common/OUTCAR', 'npt_common/OUTCAR.xz'),
    ('materialsproject+custodian', 'tests/files/drift/OUTCAR', 'drift/OUTCAR.xz'),
    ('materialsproject+custodian', 'tests/files/unconverged/vasprun.xml.ionic', 'unconverged/vasprun.xml.ionic.xz'),
    ('materialsproject+custodian', 'tests/files/fermi_smearing/vasprun.xml', 'fermi_smearing/vasprun.xml.xz'),
    ('materialsproject+custodian', 'tests/files/lobster/vasp_lobster_output_v51/vasprun.xml', 'lobster_v51/vasprun.xml.xz'),
    ('materialsproject+custodian', 'tests/files/lobster/vasp_lobster_output/XDATCAR', 'lobster/XDATCAR'),
    ('aiida-vasp+parsevasp', 'tests/OUTCAR.unfinished', 'OUTCAR.unfinished.xz'),
    ('aiida-vasp+parsevasp', 'tests/OUTCAR_MAG_SINGLE', 'OUTCAR_MAG_SINGLE.xz'),
    ('phonopy+phonopy', 'test/interface/vasprun_Si_noncollinear.xml.xz', 'vasprun_Si_noncollinear.xml.xz'),
    ('phonopy+phonopy', 'test/interface/vasprun_kpoints_opt_spin.xml.xz', 'vasprun_kpoints_opt_spin.xml.xz'),
    ('phonopy+phonopy', 'test/interface/GeSn-vca-vasprun-001.xml.xz', 'GeSn-vca-vasprun-001.xml.xz'),
    ('phonopy+phonopy', 'test/cui/phonopy_command/NaCl/vasprun.xml-001.xz', 'NaCl/vasprun.xml-001.xz'),
    ('phonopy+phonopy', 'example/Cr/vasprun.xml.xz', 'Cr/vasprun.xml.xz'),
    ('phonopy+phonopy', 'test/spectrum/XDATCAR', 'spectrum/XDATCAR'),
    ('phonopy+phonopy', 'test/interface/XDATCAR-NaCl', 'XDATCAR-NaCl'),
]


def raw(corpus, repo, path):
    data = open(os.path.join(corpus, repo, path), 'rb').read()
    return data


def plain(data):
    if data[:2] == b'\x1f\x8b':
        return gzip.decompress(data)
    if data[:6] == b'\xfd7zXZ\x00':
        return lzma.decompress(data)
    if data[:3] == b'BZh':
        return bz2.decompress(data)
    return data


def write(rel, data):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def store(rel, data):
    """Stores `data` (the original bytes) compressed as the stored name says."""
    if rel.endswith('.xz'):
        data = lzma.compress(data, preset=9)
    elif rel.endswith('.gz'):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    elif rel.endswith('.bz2'):
        data = bz2.compress(data, 9)
    return write(rel, data)


def variable_cell_xdatcar(images):
    """VASP 6's XDATCAR for a changing cell: the whole header before every configuration."""
    symbols = images[0].get_chemical_symbols()
    groups = []
    for s in symbols:
        if groups and groups[-1][0] == s:
            groups[-1][1] += 1
        else:
            groups.append([s, 1])
    out = []
    for k, a in enumerate(images, start=1):
        out.append('unknown system')
        out.append('           1')
        for row in a.cell.array:
            out.append(' ' + ''.join(f'{x:12.6f}' for x in row))
        out.append(''.join(f'{g[0]:>5}' for g in groups))
        out.append(''.join(f'{g[1]:>6}' for g in groups))
        out.append(f'Direct configuration={k:6d}')
        for p in a.get_scaled_positions(wrap=False):
            out.append(''.join(f'{x:12.8f}' for x in p))
    return ('\n'.join(out) + '\n').encode()


def main(corpus):
    import ase.io

    made = []
    for repo, path, rel in FILES:
        data = raw(corpus, repo, path)
        src_compressed = data[:2] == b'\x1f\x8b' or data[:6] == b'\xfd7zXZ\x00' or data[:3] == b'BZh'
        made.append(write(os.path.join(repo, rel), data) if src_compressed else store(os.path.join(repo, rel), data))

    # Derived files.
    relax = plain(raw(corpus, 'materialsproject+custodian', 'tests/files/postprocess/vasprun.xml'))
    calcs = [i for i in range(len(relax)) if relax.startswith(b'<calculation>', i)]
    cut = relax.index(b'<varray name="forces"', calcs[11])  # inside step 12, before its energy
    made.append(store('derived/vasprun_truncated.xml.gz', relax[:cut]))

    tmp = os.path.join(OUT, 'derived', '.relax.xml')
    with open(tmp, 'wb') as f:
        f.write(relax)
    images = ase.io.read(tmp, index=':', format='vasp-xml')
    os.remove(tmp)
    made.append(write('derived/XDATCAR_variable_cell', variable_cell_xdatcar(images)))

    outcar = plain(raw(corpus, 'materialsproject+custodian', 'tests/files/postprocess/OUTCAR'))
    ends = [i for i in range(len(outcar)) if outcar.startswith(b'FREE ENERGIE OF THE ION-ELECTRON SYSTEM', i)]
    made.append(store('derived/OUTCAR_truncated.bz2', outcar[: ends[3] - 200]))

    nacl = plain(raw(corpus, 'phonopy+phonopy', 'test/cui/phonopy_command/NaCl/vasprun.xml-001.xz'))
    init = nacl.index(b'<structure name="initialpos"')
    pos_end = nacl.index(b'</varray>', nacl.index(b'<varray name="positions"', init)) + len(b'</varray>')
    n_atoms = nacl[nacl.index(b'<varray name="positions"', init):pos_end].count(b'<v>')
    flags = [b'F  F  F', b'F  F  T'] + [b'T  T  T'] * (n_atoms - 2)
    sel = b'\n  <varray name="selective"  type="logical" >\n' + b''.join(b'   <v type="logical" >  ' + f + b' </v>\n' for f in flags) + b'  </varray>'
    made.append(store('derived/vasprun_selective.xml.xz', nacl[:pos_end] + sel + nacl[pos_end:]))

    last = images[-1]
    symbols = []
    counts = []
    for s in last.get_chemical_symbols():
        if symbols and symbols[-1] == s:
            counts[-1] += 1
        else:
            symbols.append(s)
            counts.append(1)
    lines = ['relaxed cell (VASP 4: no species line)', '1.0']
    lines += [' '.join(f'{x:.10f}' for x in row) for row in last.cell.array]
    lines += [' '.join(str(c) for c in counts), 'Direct']
    lines += [' '.join(f'{x:.10f}' for x in p) for p in last.get_scaled_positions(wrap=False)]
    made.append(write('derived/vasp4/POSCAR', ('\n'.join(lines) + '\n').encode()))
    potcar = ''.join(f'  PAW_PBE {s} 06Sep2000\n   VRHFIN ={s}: test\n   TITEL  = PAW_PBE {s} 06Sep2000\n End of Dataset\n' for s in symbols)
    write('derived/vasp4/POTCAR', potcar.encode())

    rels = sorted(os.path.relpath(p, OUT) for p in made)
    cwd = os.getcwd()
    os.chdir(OUT)
    try:
        golden = subprocess.run([sys.executable, os.path.join(HERE, 'ase_frames.py'), *rels], check=True, capture_output=True, text=True).stdout
    finally:
        os.chdir(cwd)
    rows = json.loads(golden)
    meta = {'generator': 'scripts/data/make_vasp_fixtures.py', 'ase': ase.__version__, 'sources': SOURCES, 'files': rows}
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')
    ok = sum(1 for r in rows if 'error' not in r)
    print(f'{len(rows)} files, ASE reads {ok}', file=sys.stderr)


if __name__ == '__main__':
    import ase  # noqa: F401  (version recorded in golden.json)

    main(sys.argv[1])
