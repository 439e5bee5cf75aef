/**
 * Dev helper for compare_neighbors.py: our neighbour lists as NDJSON, one line per structure.
 *
 *   node --import tsx scripts/graph/neighbors_dump.ts INPUT.json OUTPUT.ndjson --cutoff 8 --max-neighbors 12
 *
 * INPUT.json: [{ file, lattice, cart, numbers }] (geometry as pymatgen read it). For each entry
 * we build the neighbour list (a) on that geometry and (b) on our own reading of `file`
 * (src-shared/chem readStructures with its defaults; --no-snap turns off its snapping of
 * 0.3333 to 1/3 etc.), and write per atom the sorted distances within the cutoff,
 * the first K distances and the atomic numbers of those K neighbours, the atoms whose K-neighbour
 * cut splits a shell of equidistant neighbours of different elements, plus our fractional
 * coordinates (for matching atoms to pymatgen's order) and timings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readStructures } from '../../src-shared/chem';
import type { Mat3 } from '../../src-shared/chem/structure';
import { neighborList, type NeighborList } from '../../src-shared/graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { cutoff: { type: 'string', default: '8' }, 'max-neighbors': { type: 'string', default: '12' }, 'no-snap': { type: 'boolean', default: false } },
});
const [input, output] = positionals;
const cutoff = Number(values.cutoff);
const k = Number(values['max-neighbors']);
const entries: { file: string; lattice: Mat3; cart: number[]; numbers: number[] }[] = JSON.parse(readFileSync(input, 'utf8'));

function perAtom(nl: NeighborList, numbers: ArrayLike<number>): { full: string[]; capZ: number[][] } {
  const full: string[] = [];
  const capZ: number[][] = [];
  for (let i = 0; i < nl.nNodes; i++) {
    const d: string[] = [];
    const z: number[] = [];
    for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) {
      d.push(nl.distance[e].toPrecision(15));
      if (e - nl.offsets[i] < k) z.push(numbers[nl.neighbor[e]]);
    }
    full.push(d.join(' '));
    capZ.push(z);
  }
  return { full, capZ };
}

const lines: string[] = [];
for (const en of entries) {
  const cart = Float64Array.from(en.cart);
  let t0 = performance.now();
  const a = neighborList({ cart, lattice: en.lattice, pbc: [true, true, true] }, { cutoff });
  const tGeom = performance.now() - t0;
  const capped = neighborList({ cart, lattice: en.lattice, pbc: [true, true, true] }, { cutoff, maxNeighbors: k });
  // atoms whose cap splits a shell of equidistant neighbours of different elements (predict warns about them)
  const mixedCut = (capped.splitShells ?? []).filter((sh) => new Set(Array.from(sh.neighbors, (j) => en.numbers[j])).size > 1).map((sh) => sh.center);
  const out: Record<string, unknown> = { file: en.file, geom: perAtom(a, en.numbers), geomCapped: perAtom(capped, en.numbers).full, mixedCut, msGeom: tGeom };
  try {
    const s = readStructures(en.file, readFileSync(en.file, 'utf8'), { snapFractions: !values['no-snap'] }).structures[0];
    t0 = performance.now();
    const b = neighborList({ cart: s.cart, lattice: s.lattice, pbc: s.pbc }, { cutoff });
    out.msOurs = performance.now() - t0;
    out.ours = perAtom(b, s.numbers);
    out.oursNumbers = Array.from(s.numbers);
    out.oursFrac = s.frac ? Array.from(s.frac) : null;
  } catch (e) {
    out.oursError = (e as Error).message;
  }
  lines.push(JSON.stringify(out));
}
writeFileSync(output, lines.join('\n') + '\n');
