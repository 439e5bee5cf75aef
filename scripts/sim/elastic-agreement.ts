/**
 * How a trained potential reproduces EMT's elastic constants (docs/simulation.md, "Elastic constants"):
 * the fcc metals of EMT's table and three ordered alloys (L1₂ Cu₃Au, L1₀ CuAu, B2 NiAl), each relaxed
 * with its cell by each calculator (FIRE, fmax 1e-4 eV/Å, stress 1e-4 GPa), then strained as
 * `latticework elastic` does. A potential is judged at its own minimum, as a researcher would use it.
 *
 *   npx tsx scripts/sim/elastic-agreement.ts MODEL.lwm [backend=wasm]
 *
 * Prints a Markdown table: lattice volume per atom, C11, C12, C44, Hill bulk and shear moduli (GPa)
 * for EMT and the potential, the largest |ΔC_ij|, and whether each is mechanically stable.
 */
import { readFileSync } from 'node:fs';
import type { Mat3 } from '../../src-shared/chem/structure';
import { Atoms, EmtCalculator, fromGPa, relax, toGPa, type Calculator } from '../../src-shared/sim';
import { elasticConstants } from '../../src-shared/sim/elastic';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { PotentialCalculator } from '../../src-main/engine/potential/calculator';
import { initBackend } from '../../src-main/engine/tf/backend';

const [modelFile, backend = 'wasm'] = process.argv.slice(2);
if (!modelFile) throw new Error('usage: elastic-agreement.ts MODEL.lwm [backend]');
await initBackend({ force: backend });
const potential = new PotentialCalculator(new LoadedPotential(decodeModelFile(new Uint8Array(readFileSync(modelFile)))));
const emt = new EmtCalculator();

const Z: Record<string, number> = { Al: 13, Ni: 28, Cu: 29, Pd: 46, Ag: 47, Pt: 78, Au: 79 };
const FCC = [
  [0, 0, 0],
  [0.5, 0.5, 0],
  [0.5, 0, 0.5],
  [0, 0.5, 0.5],
];

/** A cubic cell of edge a with the given species at fractional sites. */
function cubic(name: string, a: number, sites: [string, number[]][]): { name: string; atoms: Atoms } {
  const lattice: Mat3 = [
    [a, 0, 0],
    [0, a, 0],
    [0, 0, a],
  ];
  return {
    name,
    atoms: new Atoms({ numbers: Int32Array.from(sites, ([s]) => Z[s]), cart: Float64Array.from(sites.flatMap(([, f]) => f.map((x) => x * a))), lattice, pbc: [true, true, true] }),
  };
}

const crystals = [
  ...Object.entries({ Al: 4.05, Ni: 3.52, Cu: 3.6, Pd: 3.89, Ag: 4.09, Pt: 3.92, Au: 4.08 }).map(([el, a]) => cubic(`fcc ${el}`, a, FCC.map((f) => [el, f]))),
  cubic('L1₂ Cu₃Au', 3.75, FCC.map((f, k) => [k === 0 ? 'Au' : 'Cu', f])),
  cubic('L1₀ CuAu', 3.85, FCC.map((f, k) => [k < 2 ? 'Cu' : 'Au', f])),
  cubic('B2 NiAl', 2.88, [
    ['Ni', [0, 0, 0]],
    ['Al', [0.5, 0.5, 0.5]],
  ]),
];

async function constants(atoms: Atoms, calculator: Calculator) {
  const a = atoms.clone();
  const r = await relax(a, calculator, { cell: true, fmax: 1e-4, smax: fromGPa(1e-4), maxSteps: 5000 });
  const e = await elasticConstants(a, calculator, { relaxOptions: { fmax: 1e-4, maxSteps: 2000 } });
  return { converged: r.converged, volume: a.volume()! / a.length, c: e.c.map((row) => row.map(toGPa)), k: toGPa(e.moduli.kHill), g: toGPa(e.moduli.gHill), stable: e.stable };
}

const f1 = (x: number) => x.toFixed(1);
console.log(`model ${potential.name}; GPa; EMT / potential`);
console.log('| crystal | V/atom (Å³) | C11 | C12 | C44 | K (Hill) | G (Hill) | largest \\|ΔC_ij\\| | stable (Born) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { name, atoms } of crystals) {
  const ref = await constants(atoms, emt);
  const pot = await constants(atoms, potential);
  const largest = Math.max(...ref.c.flatMap((row, i) => row.map((x, j) => Math.abs(x - pot.c[i][j]))));
  const pair = (x: number, y: number) => `${f1(x)} / ${f1(y)}`;
  const flags = ref.converged && pot.converged ? '' : ' (a cell relaxation did not converge)';
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  console.log(
    `| ${name}${flags} | ${ref.volume.toFixed(3)} / ${pot.volume.toFixed(3)} | ${pair(ref.c[0][0], pot.c[0][0])} | ${pair(ref.c[0][1], pot.c[0][1])} | ${pair(ref.c[3][3], pot.c[3][3])} | ${pair(ref.k, pot.k)} | ${pair(ref.g, pot.g)} | ${f1(largest)} | ${yes(ref.stable)} / ${yes(pot.stable)} |`,
  );
}
potential.dispose();
