/**
 * Times our neighbour list on structures given as JSON (driven by bench/graph/bench_neighbors.py).
 *
 *   node --import tsx bench/graph/neighbors_bench.ts INPUT.json --cutoff 6 [--max-neighbors 12 --pad] [--repeats 3]
 *
 * INPUT.json: [{ lattice, cart, pbc? }]. Warm-up passes (JIT, see below), then
 * `repeats` timed passes; prints {"ms": [wall per pass], "cpuMs": [process CPU per pass], "nEdges": edges of one pass}.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Mat3 } from '../../src-shared/chem/structure';
import { neighborList, type NeighborOptions } from '../../src-shared/graph';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cutoff: { type: 'string', default: '6' },
    'max-neighbors': { type: 'string' },
    pad: { type: 'boolean', default: false },
    repeats: { type: 'string', default: '3' },
  },
});
const raw: { lattice: Mat3; cart: number[]; pbc?: [boolean, boolean, boolean] }[] = JSON.parse(readFileSync(positionals[0], 'utf8'));
const items = raw.map((r) => ({ cart: Float64Array.from(r.cart), lattice: r.lattice, pbc: r.pbc ?? ([true, true, true] as [boolean, boolean, boolean]) }));
const options: NeighborOptions = {
  cutoff: Number(values.cutoff),
  maxNeighbors: values['max-neighbors'] ? Number(values['max-neighbors']) : null,
  padding: values.pad ? 'cgcnn' : 'none',
};

function pass(): number {
  let edges = 0;
  for (const it of items) edges += neighborList(it, options).nEdges;
  return edges;
}

// warm-up until the JIT has settled: full passes for at least 300 ms (at most 50) when a pass
// is cheap, otherwise a few passes over a prefix of the first structure
const totalAtoms = items.reduce((a, it) => a + it.cart.length / 3, 0);
if (totalAtoms <= 20_000) {
  const t0 = performance.now();
  for (let w = 0; w < 50 && performance.now() - t0 < 300; w++) pass();
} else {
  for (let w = 0; w < 5; w++) neighborList({ ...items[0], cart: items[0].cart.subarray(0, 3 * Math.min(2000, items[0].cart.length / 3)) }, options);
}
const ms: number[] = [];
const cpuMs: number[] = [];
let nEdges = 0;
for (let r = 0; r < Number(values.repeats); r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  nEdges = pass();
  ms.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpuMs.push((c.user + c.system) / 1000);
}
process.stdout.write(JSON.stringify({ ms, cpuMs, nEdges }) + '\n');
