/**
 * The radial distribution function of the structure or frame on screen, as a chart (src-shared/sim/rdf.ts,
 * to RDF_DEFAULTS.rmax): the Simulate view's for the frame shown, the Structures view's on request.
 */
import type { Mat3 } from '../../src-shared/chem/structure';
import { radialDistribution, RDF_DEFAULTS } from '../../src-shared/sim/rdf';
import { lineOption, PALETTE, type ChartOption } from './charts';

export interface RdfChart {
  title: string;
  option: ChartOption;
  points: number;
}

/** g(r) of one structure; null for a molecule (no cell, no density). */
export function rdfChart(s: { numbers: ArrayLike<number>; cart: ArrayLike<number>; lattice: Mat3 | null; pbc: readonly boolean[] }, title: string): RdfChart | null {
  if (!s.lattice) return null;
  const pbc: [boolean, boolean, boolean] = [s.pbc[0] === true, s.pbc[1] === true, s.pbc[2] === true];
  const rdf = radialDistribution([{ numbers: s.numbers, cart: Float64Array.from(s.cart), lattice: s.lattice, pbc }], RDF_DEFAULTS);
  const data = rdf.r.map((r, k): [number, number] => [r, rdf.g[k]]);
  return { title, option: lineOption([{ name: 'g(r)', data, color: PALETTE[4] }], { xName: 'r / Å', yName: 'g(r)' }), points: data.length };
}
