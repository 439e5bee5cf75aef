/**
 * How reproducible is EMT's own relaxation of a structure? (docs/simulation.md "The joint check":
 * what the joint check of issues 13/14 can measure.) Relaxes each structure with EMT from its start,
 * then K more times with a small disturbance, with the same protocol, and reports per set the
 * largest |ΔE| per atom (EMT's energy at the disturbed relaxation's end minus at the undisturbed
 * one's) and the structures where it exceeds 1 and 10 meV/atom. Disturbances:
 *   start  SIZE Å: every coordinate of the start moved by Gaussian noise of that standard deviation;
 *   forces SIZE eV/Å: EMT plus a smooth random energy field (8 plane waves of wavelength 2.5 Å,
 *          seeded) whose forces are of that size — "a potential as accurate as that, with other errors".
 *
 * Run: npx tsx scripts/sim/emt-reproducibility.ts start|forces SIZE K 'PROTOCOLS_JSON' FRAMES.extxyz...
 *   PROTOCOLS_JSON: [{"name":"fire.01","optimizer":"fire","fmax":0.01,"maxStep":0.2}, ...] (maxStep optional)
 * Prints one JSON line per protocol and file (the first 100 structures of each file).
 */
import { readFileSync } from 'node:fs';
import { readStructures } from '../../src-shared/chem';
import { Rng } from '../../src-shared/model/rng';
import { Atoms, AtomPositions, EmtCalculator, Fire, Lbfgs, type Calculator } from '../../src-shared/sim';

interface Protocol {
  name: string;
  optimizer: 'fire' | 'lbfgs';
  fmax: number;
  maxStep?: number;
}
const [mode, sizeArg, kArg, protocolsArg, ...files] = process.argv.slice(2);
if ((mode !== 'start' && mode !== 'forces') || !sizeArg || !kArg || !protocolsArg || files.length === 0) {
  throw new Error("usage: emt-reproducibility.ts start|forces SIZE K 'PROTOCOLS_JSON' FRAMES.extxyz...");
}
const size = Number(sizeArg);
const K = Number(kArg);
const protocols = JSON.parse(protocolsArg) as Protocol[];
const emt = new EmtCalculator();

/** EMT plus Σ_atoms Σ_m A·cos(q_m·r + φ_m): forces of about `amplitude` eV/Å, smooth on the scale of a bond. */
function disturbed(seed: number, amplitude: number): Calculator {
  const rng = new Rng(seed);
  const waves = 8;
  const k = (2 * Math.PI) / 2.5;
  const q: number[][] = [];
  const phase: number[] = [];
  for (let m = 0; m < waves; m++) {
    const v = [rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(v[0], v[1], v[2]);
    q.push(v.map((x) => (x / n) * k));
    phase.push(2 * Math.PI * rng.next());
  }
  const a = amplitude / (k * Math.sqrt(waves / 2));
  return {
    name: 'emt+field',
    async calculate(atoms, options) {
      const r = await emt.calculate(atoms, options);
      const forces = Float64Array.from(r.forces);
      let energy = r.energy;
      for (let i = 0; i < atoms.numbers.length; i++) {
        for (let m = 0; m < waves; m++) {
          const arg = q[m][0] * atoms.cart[3 * i] + q[m][1] * atoms.cart[3 * i + 1] + q[m][2] * atoms.cart[3 * i + 2] + phase[m];
          energy += a * Math.cos(arg);
          const s = a * Math.sin(arg);
          for (let c = 0; c < 3; c++) forces[3 * i + c] += s * q[m][c];
        }
      }
      return { ...r, energy, forces };
    },
  };
}

async function relaxed(atoms: Atoms, calculator: Calculator, p: Protocol): Promise<number> {
  const target = new AtomPositions(atoms, calculator);
  const step = p.maxStep === undefined ? {} : { maxStep: p.maxStep };
  const optimizer = p.optimizer === 'fire' ? new Fire(step) : new Lbfgs(step);
  let ev = await target.evaluate();
  for (let n = 0; ev.fmax > p.fmax && n < 2000; n++) {
    target.setPositions(optimizer.step(target.getPositions(), ev.forces));
    ev = await target.evaluate();
  }
  return (await emt.calculate(atoms, { stress: false })).energy;
}

for (const p of protocols) {
  for (const file of files) {
    const structures = readStructures(file, readFileSync(file, 'utf8')).structures.slice(0, 100);
    const rng = new Rng(7);
    const moves: number[] = [];
    const over10: string[] = [];
    for (const [i, s] of structures.entries()) {
      const n = s.numbers.length;
      const e0 = await relaxed(Atoms.fromStructure(s), emt, p);
      let move = 0;
      for (let k = 0; k < K; k++) {
        const atoms = Atoms.fromStructure(s);
        if (mode === 'start') for (let j = 0; j < atoms.cart.length; j++) atoms.cart[j] += size * rng.normal();
        const e = await relaxed(atoms, mode === 'start' ? emt : disturbed(1000 * i + k, size), p);
        move = Math.max(move, (1000 * Math.abs(e - e0)) / n);
      }
      moves.push(move);
      if (move > 10) over10.push(`${i} (${n} atoms): ${move.toFixed(1)}`);
    }
    console.log(
      JSON.stringify({ protocol: p.name, file, mode, size, K, maxMeV: +Math.max(...moves).toFixed(2), over1: moves.filter((m) => m > 1).length, over10: over10.length, structures: over10 }),
    );
  }
}
