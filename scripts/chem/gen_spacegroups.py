#!/usr/bin/env python3
"""Generate src-shared/chem/spacegroups.data.ts and test/fixtures/chem/spglib-settings.json.

Source: spglib (Debian python3-spglib 2.0.2), its 530 settings (Hall numbers 1..530) of the 230
space groups: IT number, Hall symbol, H-M symbol and choice (origin 1/2, axes H/R). The table holds
symbols only: Latticework builds the operations from the Hall symbol (src-shared/chem/spacegroups.ts).
Other H-M names of a setting (the pre-2002 symbols `C m c a`, `C c c a :2`, ...) come from
pymatgen's symmetry/symm_ops.json (Debian python3-pymatgen 2022.11), matched by operations.

The test reference (spglib-settings.json) lists, per Hall number, spglib's Hall symbol, full H-M
symbol, choice and operations (spglib.get_symmetry_from_database), each operation as `-y,x-y,z+1/3`
with its translation in [0, 1), sorted: test/shared/chem/symmetry.test.ts builds every setting from
its Hall symbol and from its H-M symbol and compares.

Usage: /usr/bin/python3 scripts/chem/gen_spacegroups.py [path/to/symm_ops.json]
"""
import json
import os
import re
import sys
from collections import defaultdict
from fractions import Fraction

import spglib

SRC = sys.argv[1] if len(sys.argv) > 1 else '/usr/lib/python3/dist-packages/pymatgen/symmetry/symm_ops.json'
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'src-shared', 'chem', 'spacegroups.data.ts')
FIXTURE = os.path.join(ROOT, 'test', 'fixtures', 'chem', 'spglib-settings.json')


def op_text(rot, trans):
    """One operation as symopText writes it, translation wrapped into [0, 1)."""
    rows = []
    for i in range(3):
        s = ''
        for j in range(3):
            v = int(rot[i][j])
            if v:
                s += ('-' if v < 0 else '+' if s else '') + ('' if abs(v) == 1 else str(abs(v))) + 'xyz'[j]
        t = Fraction(trans[i]).limit_denominator(24) % 1
        if t:
            s += f'+{t.numerator}/{t.denominator}'
        rows.append(s)
    return ','.join(rows)


def canonical(rots, transs):
    return sorted({op_text(r, t) for r, t in zip(rots, transs)})


def pymatgen_ops(ops):
    rots, transs = [], []
    for o in ops:
        r = [[0] * 3 for _ in range(3)]
        t = [Fraction(0)] * 3
        for i, e in enumerate(o.replace(' ', '').split(',')):
            for m in re.finditer(r'([+-]?)([^+-]+)', e):
                sign = -1 if m.group(1) == '-' else 1
                term = m.group(2)
                if term[-1] in 'xyz':
                    c = term[:-1].rstrip('*')
                    r[i]['xyz'.index(term[-1])] += sign * (Fraction(c) if c else 1)
                else:
                    t[i] += sign * Fraction(term)
        rots.append(r)
        transs.append(t)
    return rots, transs


def hm_name(t):
    """spglib's H-M symbol, spaced, without `_`: full for monoclinic (`P 1 21/c 1`), else short.
    Orthorhombic short symbols are the full ones without the rotation parts (`C 2/m 2/c 2_1/e` ->
    `C m c e`): spglib 2.0.2 spells setting 2bca of #68 `B b c b` in `international`."""
    full = t['international_full'].replace('_', '')
    if 3 <= t['number'] <= 15:
        return full
    if 16 <= t['number'] <= 74:
        return ' '.join(re.sub(r'^\d+/', '', p) for p in full.split(' '))
    return t['international'].split(' = ')[-1].replace('_', '')


# The pre-2002 symbols of the five groups with `e` glides, standard setting; the other settings'
# follow by permuting axes and letters (ITA Table 4.3.2.1: `C m c a` in setting `ba-c` is `C c m b`).
OLD_STANDARD = {39: 'A b m 2', 41: 'A b a 2', 64: 'C m c a', 67: 'C m m a', 68: 'C c c a'}


def old_name(t):
    """The pre-2002 symbol of an `e`-glide setting (`A b m a` for `A e m a`), else None."""
    if t['number'] not in OLD_STANDARD:
        return None
    lattice, *parts = OLD_STANDARD[t['number']].split(' ')
    axes = re.sub(r'^[12]', '', t['choice']).replace('-', '') or 'abc'  # new axis i = old axis axes[i]
    new_letter = {old: 'abc'[i] for i, old in enumerate(axes)}
    relabel = lambda p: new_letter.get(p, p)
    return ' '.join([relabel(lattice.lower()).upper()] + [relabel(parts['abc'.index(old)]) for old in axes])


def choice(t):
    c = t['choice']
    return c if c in ('H', 'R') else c[0] if c and c[0] in '12' else ''


pm = json.load(open(SRC))
pm_names = defaultdict(list)  # canonical operations -> pymatgen's names of that setting
for e in pm:
    if '(' in e['universal_h_m']:
        continue
    key = tuple(canonical(*pymatgen_ops(e['symops'])))
    for name in (e['hermann_mauguin'], e['universal_h_m'].split(':')[0].strip()):
        if name not in pm_names[key]:
            pm_names[key].append(name)

rows, fixture = [], []
for h in range(1, 531):
    t = spglib.get_spacegroup_type(h)
    s = spglib.get_symmetry_from_database(h)
    ops = canonical(s['rotations'], s['translations'])
    name, ch = hm_name(t), choice(t)
    others = [n for n in [old_name(t)] + pm_names[tuple(ops)] if n and n != name]
    rows.append([t['number'], name, ch, t['hall_symbol'], list(dict.fromkeys(others))])
    fixture.append([h, t['number'], t['hall_symbol'], t['international_full'], t['choice'], ';'.join(ops)])

# Two settings with one name (`C m m e`: abc and ba-c; `C c c e :2`: 2 and 2ba-c) are told apart
# by their pre-2002 names (`C m m a`, `C m m b`): those are the settings' display names then.
by_name = defaultdict(set)
for r in rows:
    by_name[(r[1], r[2])].add(r[3])
lines = [
    '// GENERATED FILE - do not edit. Generated by scripts/chem/gen_spacegroups.py from spglib 2.0.2',
    "// (Debian python3-spglib): its 530 settings; other names from pymatgen 2022.11's symm_ops.json.",
    '',
    '/**',
    ' * One row per setting, in spglib\'s order (Hall numbers 1..530; the first of each IT number is',
    ' * its standard setting): [IT number, H-M symbol (spglib\'s, post-2002 `e` glides), choice (`1`,',
    ' * `2`, `H`, `R` or empty), Hall symbol, display name, other H-M names separated by `|`].',
    ' */',
    'export const SG_SETTINGS: ReadonlyArray<readonly [number, string, string, string, string, string]> = [',
]
for number, name, ch, hall, others in rows:
    display = name if len(by_name[(name, ch)]) == 1 else others[0]
    display += f' :{ch}' if ch else ''
    lines.append(f'  [{number}, {json.dumps(name)}, {json.dumps(ch)}, {json.dumps(hall)}, {json.dumps(display)}, {json.dumps("|".join(others))}],')
lines += ['];', '']
with open(OUT, 'w') as f:
    f.write('\n'.join(lines))
with open(FIXTURE, 'w') as f:
    f.write('{"source": "spglib 2.0.2 (Debian python3-spglib), scripts/chem/gen_spacegroups.py",\n')
    f.write(' "columns": ["hall_number", "number", "hall_symbol", "international_full", "choice", "operations"],\n')
    f.write(' "settings": [\n' + ',\n'.join(json.dumps(r) for r in fixture) + '\n]}\n')
print('wrote', OUT, 'and', FIXTURE, len(rows), 'settings')
