/**
 * pymatgen's first site (the one CGCNN pads its graphs with), checked against pymatgen 2022.11's
 * `get_sorted_structure` run here: electronegativity, a tie decided by the symbol (Dy and Y, both
 * 1.22), and elements without an electronegativity (He, Ne, Ar: NaN, an intransitive order that
 * CPython's sort decides) beside others.
 */
import { describe, expect, it } from 'vitest';
import { atomicNumber } from '../../../src-shared/chem/elements';
import { pymatgenFirstSite, pymatgenOrderExact } from '../../../src-shared/chem/site-order';
import { python } from '../../helpers/python';
import { rng } from './fuzzing';

const FIXED = [
  ['C', 'C', 'O', 'H', 'H', 'H', 'H', 'H', 'H'],
  ['O', 'Y', 'Dy', 'Y', 'Dy'],
  ['Sr', 'Ti', 'O', 'O', 'O'],
  ['Ar', 'Ar'],
  ['O', 'Ar', 'Na', 'He', 'Cl'],
  ['Cl', 'He', 'Ar', 'C', 'Ne'],
  ['Xe', 'F', 'He', 'Ne'],
];
const POOL = ['He', 'Ne', 'Ar', 'H', 'Li', 'C', 'O', 'Na', 'Cl', 'K', 'Xe', 'Kr', 'Dy', 'Y'];
const rand = rng(39);
const RANDOM = Array.from({ length: 40 }, () => Array.from({ length: 2 + Math.floor(rand() * 61) }, () => POOL[Math.floor(rand() * POOL.length)]));

/** pymatgen's first site of each list (as the index into the list). */
function pymatgenFirst(lists: string[][]): number[] {
  const script = `
import json, sys, warnings
warnings.filterwarnings('ignore')
from pymatgen.core import Lattice, Structure
out = []
for species in json.loads(sys.argv[1]):
    coords = [[(i + 0.5) / len(species), 0.5, 0.5] for i in range(len(species))]
    s = Structure(Lattice.cubic(100), species, coords, site_properties={'i': list(range(len(species)))})
    out.append(s.get_sorted_structure()[0].properties['i'])
print(json.dumps(out))`;
  return JSON.parse(python(['-c', script, JSON.stringify(lists)])) as number[];
}

describe("pymatgenFirstSite: the first site of pymatgen's sorted structure", () => {
  it('equals pymatgen on hand-made and random lists of fewer than 64 sites', () => {
    const lists = [...FIXED, ...RANDOM];
    const ours = lists.map((l) => pymatgenFirstSite(l.map(atomicNumber)));
    expect(ours).toEqual(pymatgenFirst(lists));
    expect(ours.slice(0, 3)).toEqual([3, 2, 0]); // the first H; Dy before Y (both 1.22); Sr
    expect(lists.every((l) => pymatgenOrderExact(l.map(atomicNumber)))).toBe(true);
  });

  it('is exact for many sites unless an element without an electronegativity is beside others', () => {
    const many = (syms: string[]) => Array.from({ length: 80 }, (_, i) => atomicNumber(syms[i % syms.length]));
    expect([pymatgenOrderExact(many(['Na', 'Cl'])), pymatgenOrderExact(many(['Ar'])), pymatgenOrderExact(many(['Ar', 'Cl']))]).toEqual([true, true, false]);
    expect(pymatgenFirstSite(many(['Cl', 'O', 'Na', 'Cl']))).toBe(2);
  });
});
