/** The benchmarks' crystal: fcc Cu's conventional cubic cell (4 atoms) with lattice constant `a`, Å. */
import type { Mat3, Structure } from '../../src-shared/chem';
import { fracToCart } from '../../src-shared/chem/lattice';

export function fccCopper(a: number): Structure {
  const lattice: Mat3 = [
    [a, 0, 0],
    [0, a, 0],
    [0, 0, a],
  ];
  const frac = Float64Array.of(0, 0, 0, 0.5, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0.5);
  return {
    name: 'Cu',
    lattice,
    pbc: [true, true, true],
    numbers: Int32Array.of(29, 29, 29, 29),
    species: ['Cu', 'Cu', 'Cu', 'Cu'],
    frac,
    cart: fracToCart(frac, lattice),
    occupancy: Float64Array.of(1, 1, 1, 1),
    siteProperties: {},
    properties: {},
  };
}
