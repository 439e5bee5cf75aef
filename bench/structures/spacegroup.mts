/**
 * The space-group search on supercells: Latticework (`findSpaceGroup`: pure translations first, then
 * moyo on the primitive cell), moyo alone on the cell as given (what Latticework did before session 33),
 * and spglib (Debian's python3-spglib, timed inside Python) side by side on the same cells.
 *
 * Usage: npx tsx bench/structures/spacegroup.mts [repeats=3]
 * Prints a Markdown table for BENCHMARKS.md. moyo alone is skipped above 256 atoms of a perfect supercell
 * (500 atoms took 91 s).
 */
import { execFileSync } from 'node:child_process';
import { analyze_cell } from '@spglib/moyo-wasm';
import { findSpaceGroup } from '../../src-main/chem/spacegroup';
import { loadMoyo } from '../../src-main/chem/moyo';
import { supercell, vacancyHop } from '../../src-shared/chem/build';
import { cartToFrac } from '../../src-shared/chem/lattice';
import type { Structure } from '../../src-shared/chem';
import { fccCopper } from './fcc';
import { medianSeconds } from '../timing';

const repeats = Number(process.argv[2] ?? 3);
const fcc = fccCopper(3.61);

function rattled(s: Structure, amplitude: number): Structure {
  const cart = s.cart.map((x, i) => x + amplitude * Math.sin(12.9898 * i + 78.233));
  return { ...s, cart, frac: cartToFrac(cart, s.lattice!) };
}

const cases: { label: string; s: Structure; moyoAlone: boolean }[] = [];
for (const n of [3, 4, 5, 8]) {
  const s = supercell(fcc, [n, n, n]);
  cases.push({ label: `fcc Cu ${n}×${n}×${n}, perfect`, s, moyoAlone: s.numbers.length <= 256 });
}
for (const n of [3, 5, 8]) cases.push({ label: `fcc Cu ${n}×${n}×${n}, a vacancy`, s: vacancyHop(supercell(fcc, [n, n, n]), 0, 1).start, moyoAlone: true });
cases.push({ label: 'fcc Cu 5×5×5, rattled 0.05 Å', s: rattled(supercell(fcc, [5, 5, 5]), 0.05), moyoAlone: true });

function time<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  return medianSeconds(repeats, f);
}

const cellOf = (s: Structure) => ({
  lattice: { basis: s.lattice!.flat() },
  positions: Array.from({ length: s.numbers.length }, (_, i) => Array.from(s.frac!.subarray(3 * i, 3 * i + 3))),
  numbers: Array.from(s.numbers),
});

const python = `
import json, sys, time, spglib
cells, repeats = json.load(sys.stdin), int(sys.argv[1])
out = []
for c in cells:
    cell = ([c["lattice"]["basis"][0:3], c["lattice"]["basis"][3:6], c["lattice"]["basis"][6:9]], c["positions"], c["numbers"])
    t = []
    for _ in range(repeats):
        s = time.perf_counter(); d = spglib.get_symmetry_dataset(cell, symprec=0.01); t.append(time.perf_counter() - s)
    out.append([sorted(t)[len(t) // 2], d["number"]])
print(json.dumps(out))
`;
const reference = JSON.parse(execFileSync('/usr/bin/python3', ['-c', python, String(repeats)], { input: JSON.stringify(cases.map((c) => cellOf(c.s))), maxBuffer: 1 << 28 }).toString()) as [number, number][];

const rows: string[] = [];
// moyo alone runs here; Latticework's search runs in its symmetry thread
loadMoyo();
for (const [i, c] of cases.entries()) {
  const [ours, group] = await time(() => findSpaceGroup(c.s));
  const alone = c.moyoAlone ? await time(() => analyze_cell(JSON.stringify(cellOf(c.s)), 0.01, 'Spglib').number) : null;
  const [spglib, number] = reference[i];
  if (group?.number !== number || (alone && alone[1] !== number)) throw new Error(`${c.label}: ours ${group?.number}, moyo alone ${alone?.[1]}, spglib ${number}`);
  rows.push(`| ${c.label} | ${c.s.numbers.length} | ${number} | ${ours.toFixed(3)} | ${alone ? alone[0].toFixed(3) : 'not run'} | ${spglib.toFixed(3)} | ${(spglib / ours).toFixed(1)}× |`);
}
console.log(`median of ${repeats}, seconds; every search found spglib's space group\n`);
console.log('| cell | atoms | space group | Latticework | moyo alone (before) | spglib 2.0.2 | Latticework’s speed-up over spglib |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
