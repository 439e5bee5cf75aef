/**
 * How a trained potential reproduces EMT's elastic constants and phonons (docs/simulation.md, "Elastic
 * constants" and "Phonons"): the fcc metals of EMT's table and three ordered alloys (L1₂ Cu₃Au, L1₀ CuAu,
 * B2 NiAl) in their cubic cells, each relaxed with its cell by each calculator (FIRE, fmax 1e-4 eV/Å,
 * stress 1e-4 GPa), then strained as `latticework elastic` does, or its phonons computed as
 * `latticework phonons` does (default supercell and mesh). A potential is judged at its own minimum,
 * as a researcher would use it.
 *
 *   npx tsx scripts/sim/crystal-agreement.ts MODEL.lwm [backend=wasm] [elastic|phonons|site] [delta=0.01]
 *
 * Prints a Markdown table. elastic: lattice volume per atom, C11, C12, C44, Hill bulk and shear moduli
 * (GPa) for EMT and the potential, the largest |ΔC_ij|, and whether each is mechanically stable.
 * phonons: the highest and lowest frequency (THz), the largest and mean |Δν| over the path and the mesh,
 * and the free energy and entropy at 300 K per atom (meV, k_B) for EMT and the potential; `delta` is the
 * phonons' displacement (Å), for a potential whose forces are not smooth at the sites (docs/simulation.md).
 * site: atom 0's on-site force constant Φ_xx (eV/Å²) in a 3×3×3 supercell from displacements of ±0.001,
 * 0.003, 0.01 and 0.03 Å: constant where the energy is smooth at the site, growing as c/u where it has a
 * cusp c·|u| (PaiNN's vector norm, docs/simulation.md "Phonons").
 */
import { readFileSync } from 'node:fs';
import type { Mat3 } from '../../src-shared/chem/structure';
import { Atoms, EmtCalculator, EV_TO_KJ_PER_MOL, fromGPa, KB, relax, runSimulation, SIMULATION_DEFAULTS, toGPa, type Calculator } from '../../src-shared/sim';
import { elasticConstants } from '../../src-shared/sim/elastic';
import { forceConstants } from '../../src-shared/sim/phonons';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { PotentialCalculator } from '../../src-main/engine/potential/calculator';
import { initBackend } from '../../src-main/engine/tf/backend';

const [modelFile, backend = 'wasm', what = 'elastic', delta = '0.01'] = process.argv.slice(2);
if (!modelFile || !['elastic', 'phonons', 'site'].includes(what)) throw new Error('usage: crystal-agreement.ts MODEL.lwm [backend] [elastic|phonons|site] [delta]');
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

/** The crystal relaxed with its cell by this calculator: its own minimum. */
async function relaxed(atoms: Atoms, calculator: Calculator): Promise<{ a: Atoms; converged: boolean }> {
  const a = atoms.clone();
  const r = await relax(a, calculator, { cell: true, fmax: 1e-4, smax: fromGPa(1e-4), maxSteps: 5000 });
  return { a, converged: r.converged };
}

async function constants(atoms: Atoms, calculator: Calculator) {
  const { a, converged } = await relaxed(atoms, calculator);
  const e = await elasticConstants(a, calculator, { relaxOptions: { fmax: 1e-4, maxSteps: 2000 } });
  return { converged, volume: a.volume()! / a.length, c: e.c.map((row) => row.map(toGPa)), k: toGPa(e.moduli.kHill), g: toGPa(e.moduli.gHill), stable: e.stable };
}

async function phonons(atoms: Atoms, calculator: Calculator) {
  const { a, converged } = await relaxed(atoms, calculator);
  const out = await runSimulation(a.toStructure('crystal'), calculator, { ...SIMULATION_DEFAULTS.phonons, delta: Number(delta) });
  if (out.summary?.task !== 'phonons') throw new Error(out.message);
  return { converged, n: a.length, s: out.summary };
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
if (what === 'site') {
  const shifts = [0.001, 0.003, 0.01, 0.03];
  const stiffness = async (atoms: Atoms, calculator: Calculator) => {
    const { a } = await relaxed(atoms, calculator);
    const out: number[] = [];
    for (const u of shifts) out.push((await forceConstants(a, calculator, { supercell: [3, 3, 3], delta: u }))!.linearity.stiffness);
    return out;
  };
  console.log(`model ${potential.name}; atom 0's Φ_xx (eV/Å²) from ±u in a 3×3×3 supercell, EMT / potential, each at its own relaxed cell`);
  console.log(`| crystal | ${shifts.map((u) => `u = ${u} Å`).join(' | ')} |`);
  console.log(`| --- |${shifts.map(() => ' --- |').join('')}`);
  for (const { name, atoms } of crystals) {
    const [ref, pot] = [await stiffness(atoms, emt), await stiffness(atoms, potential)];
    console.log(`| ${name} | ${shifts.map((_, k) => `${f2(ref[k])} / ${f2(pot[k])}`).join(' | ')} |`);
  }
  potential.dispose();
  process.exit(0);
}
if (what === 'phonons') {
  console.log(`model ${potential.name}; displacement ${delta} Å; EMT / potential, each at its own relaxed cell; free energy and entropy at 300 K per atom`);
  console.log('| crystal | highest (THz) | lowest (THz) | largest \\|Δν\\| (THz) | mean \\|Δν\\| (THz) | F (meV/atom) | S (k_B/atom) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, atoms } of crystals) {
    const ref = await phonons(atoms, emt);
    const pot = await phonons(atoms, potential);
    // the same wave vectors (fractional, the same default supercell and mesh for cells this alike), mode by mode;
    // none when the two relaxed cells are of different lattices (different paths)
    const samePath = ref.s.lattice === pot.s.lattice && ref.s.bands.frequencies.length === pot.s.bands.frequencies.length;
    const diffs = samePath ? ref.s.bands.frequencies.flatMap((f, k) => f.map((x, j) => Math.abs(x - pot.s.bands.frequencies[k][j]))) : [];
    const largest = samePath ? f2(Math.max(...diffs)) : `— (${pot.s.lattice ?? 'unrecognised'} cell)`;
    const mean = samePath ? f2(diffs.reduce((t, x) => t + x, 0) / diffs.length) : '—';
    const at300 = (p: typeof ref) => p.s.thermal.temperature.indexOf(300);
    const fMeV = (p: typeof ref) => (1000 * p.s.thermal.freeEnergy[at300(p)]) / EV_TO_KJ_PER_MOL / p.n;
    const sKb = (p: typeof ref) => p.s.thermal.entropy[at300(p)] / 1000 / EV_TO_KJ_PER_MOL / KB / p.n;
    const pair = (x: number, y: number, f: (v: number) => string) => `${f(x)} / ${f(y)}`;
    const flags = ref.converged && pot.converged ? '' : ' (a cell relaxation did not converge)';
    console.log(
      `| ${name}${flags} | ${pair(ref.s.highest, pot.s.highest, f2)} | ${pair(ref.s.lowest, pot.s.lowest, f2)} | ${largest} | ${mean} | ${pair(fMeV(ref), fMeV(pot), f1)} | ${pair(sKb(ref), sKb(pot), f2)} |`,
    );
  }
  potential.dispose();
  process.exit(0);
}
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
