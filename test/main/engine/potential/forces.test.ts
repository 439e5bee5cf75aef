/**
 * Conservative potentials (issue 13, "correct means"): forces are −∂E/∂r and stress is
 * (1/V)·∂E/∂ε by central finite differences; energies are invariant and forces equivariant
 * under rotation, translation, permutation and the choice of periodic cell; an isolated pair
 * has equal and opposite forces; no tensor leaks. SchNet and PaiNN, on cpu and wasm.
 *
 * Tolerance: the backends compute in float32, so finite differences use h = 2·10⁻³ Å (or strain)
 * and compare with |Δ| ≤ 2·10⁻³ + 2 % (eV/Å, eV/Å³·V): float32 rounding of E ≈ 1 eV over 2h is
 * ~3·10⁻⁵, the O(h²) truncation is smaller. The PyTorch twin (float64) checks the same
 * derivatives to 1e-5 (twin.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Structure } from '../../../../src-shared/chem/structure';
import { batchPotentialGraphs, potentialGraph, VOIGT_INDEX } from '../../../../src-main/engine/potential/frames';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { crystal, maxAbsDiff, permuteAtoms, rotateTranslate, rotation, supercell } from '../layers/helpers';
import { describeEachBackend, expectClose, expectNoLeak } from '../helpers';
import { evaluateBatch, evaluateStructures, rattledAlloy, tinyConfig } from './helpers';

const ARCHS = ['schnet', 'painn'] as const;
const H = 2e-3;

function modelFor(arch: (typeof ARCHS)[number], envelope: 'cosine' | 'polynomial' = 'cosine'): PotentialModel {
  const m = new PotentialModel(tinyConfig(arch, { radial: { envelope, basis: arch === 'schnet' ? 'gaussian' : 'bessel' } }));
  // non-trivial energy statistics: the derivatives must not care about the reference energies
  const ref = new Float32Array(81);
  ref[29] = -3.5;
  ref[79] = -2.25;
  m.setEnergyStatistics(ref, 30, 0.1); // scale: forces of O(0.1–1) eV/Å from small random weights
  return m;
}

/** Energy of a structure with the graph (edges, image shifts) of `base`, positions and shifts moved by `move`. */
function energyWithGraphOf(model: PotentialModel, base: Structure, cart: Float64Array, shiftMap?: (s: Float64Array) => Float64Array): number {
  const g = potentialGraph(base, model.config.radial.cutoff);
  const moved = { ...g, positions: cart, shift: shiftMap ? shiftMap(g.shift) : g.shift };
  return evaluateBatch(model, batchPotentialGraphs([moved]), { forces: false, stress: false }).energy[0];
}

function strainRows(v: Float64Array, eps: number[][]): Float64Array {
  const out = new Float64Array(v.length);
  for (let r = 0; r < v.length / 3; r++)
    for (let b = 0; b < 3; b++) {
      let s = v[3 * r + b];
      for (let a = 0; a < 3; a++) s += v[3 * r + a] * eps[a][b];
      out[3 * r + b] = s;
    }
  return out;
}

describeEachBackend('potential derivatives', () => {
  for (const arch of ARCHS) {
    describe(arch, () => {
      it('forces equal −∂E/∂r by central differences', () => {
        const model = modelFor(arch, 'polynomial');
        const s = rattledAlloy(2);
        const out = evaluateStructures(model, [s], { forces: true, stress: false });
        const fd = new Float64Array(s.cart.length);
        for (let k = 0; k < s.cart.length; k++) {
          const p = s.cart.slice();
          p[k] += H;
          const m = s.cart.slice();
          m[k] -= H;
          fd[k] = -(energyWithGraphOf(model, s, p) - energyWithGraphOf(model, s, m)) / (2 * H);
        }
        expect(Math.max(...Array.from(fd, Math.abs))).toBeGreaterThan(1e-2); // forces are not trivially zero
        expectClose(out.forces!, fd, 2e-3, 2e-2);
        model.dispose();
      });

      it('stress equals (1/V)·∂E/∂ε for a symmetric strain of cell and positions', () => {
        const model = modelFor(arch);
        const s = rattledAlloy(3);
        const out = evaluateStructures(model, [s], { forces: true, stress: true });
        const g = potentialGraph(s, model.config.radial.cutoff);
        const fd = VOIGT_INDEX.map(([a, b]) => {
          const e = (sign: number) => {
            const eps = [0, 1, 2].map(() => [0, 0, 0]);
            eps[a][b] += (sign * H) / (a === b ? 1 : 2);
            if (a !== b) eps[b][a] += (sign * H) / 2;
            return energyWithGraphOf(model, s, strainRows(s.cart, eps), (sh) => strainRows(sh, eps));
          };
          // d/dε_ab of E under the symmetric strain with ε_ab = ε_ba = h/2 is (∂E/∂ε_ab + ∂E/∂ε_ba)/2 = ∂E/∂ε_ab
          return (e(1) - e(-1)) / (2 * H) / g.volume!;
        });
        expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(1e-4);
        expectClose(out.stress!, fd, 2e-4, 2e-2);
        model.dispose();
      });

      it('is invariant under rotation and translation, forces rotate with the structure', () => {
        const model = modelFor(arch);
        const s = rattledAlloy(4);
        const R = rotation(0.3, -1.1, 2.0);
        const a = evaluateStructures(model, [s]);
        const b = evaluateStructures(model, [rotateTranslate(s, R, [1.5, -2, 0.25])]);
        expect(Math.abs(a.energy[0] - b.energy[0])).toBeLessThan(1e-4);
        const rotated = new Float64Array(a.forces!.length);
        for (let i = 0; i < rotated.length / 3; i++)
          for (let r = 0; r < 3; r++) rotated[3 * i + r] = R[r][0] * a.forces![3 * i] + R[r][1] * a.forces![3 * i + 1] + R[r][2] * a.forces![3 * i + 2];
        expect(maxAbsDiff(b.forces!, rotated)).toBeLessThan(2e-4);
        // σ' = R σ Rᵀ
        const full = (v: ArrayLike<number>) => [
          [v[0], v[5], v[4]],
          [v[5], v[1], v[3]],
          [v[4], v[3], v[2]],
        ];
        const sa = full(a.stress!);
        const sb = full(b.stress!);
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            let v = 0;
            for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) v += R[i][k] * sa[k][l] * R[j][l];
            expect(Math.abs(sb[i][j] - v)).toBeLessThan(2e-5);
          }
        model.dispose();
      });

      it('permuting atoms permutes forces and atom energies, energy unchanged', () => {
        const model = modelFor(arch);
        const s = rattledAlloy(5);
        const perm = [2, 0, 3, 1];
        const a = evaluateStructures(model, [s]);
        const b = evaluateStructures(model, [permuteAtoms(s, perm)]);
        expect(Math.abs(a.energy[0] - b.energy[0])).toBeLessThan(1e-4);
        perm.forEach((old, k) => {
          expect(Math.abs(b.atomEnergies[k] - a.atomEnergies[old])).toBeLessThan(1e-5);
          for (let c = 0; c < 3; c++) expect(Math.abs(b.forces![3 * k + c] - a.forces![3 * old + c])).toBeLessThan(1e-4);
        });
        model.dispose();
      });

      it('a 2×2×2 supercell has 8× the energy, the same forces and the same stress', () => {
        const model = modelFor(arch);
        const s = rattledAlloy(6);
        const big = supercell(s, [2, 2, 2]);
        const a = evaluateStructures(model, [s]);
        const b = evaluateStructures(model, [big]);
        expect(Math.abs(b.energy[0] - 8 * a.energy[0])).toBeLessThan(1e-5 * Math.abs(8 * a.energy[0]) + 1e-3);
        const n = s.numbers.length;
        for (let cellIndex = 0; cellIndex < 8; cellIndex++)
          for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) expect(Math.abs(b.forces![3 * (cellIndex * n + i) + c] - a.forces![3 * i + c])).toBeLessThan(2e-4);
        expect(maxAbsDiff(a.stress!, b.stress!)).toBeLessThan(2e-5);
        model.dispose();
      });

      it('an isolated pair has equal and opposite forces along the bond; forces of a molecule sum to zero', () => {
        const model = modelFor(arch);
        const pair: Structure = { ...crystal([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [], []), lattice: null, pbc: [false, false, false], numbers: Int32Array.from([29, 79]), species: ['Cu', 'Au'], cart: Float64Array.from([0.1, 0.2, 0.3, 1.4, 1.9, 1.1]), frac: null, occupancy: Float64Array.from([1, 1]) };
        const o = evaluateStructures(model, [pair], { forces: true, stress: false });
        const f = o.forces!;
        expect(Math.hypot(f[0], f[1], f[2])).toBeGreaterThan(1e-3);
        for (let c = 0; c < 3; c++) expect(Math.abs(f[c] + f[3 + c])).toBeLessThan(1e-6);
        const d = [1.3, 1.7, 0.8];
        const cross = [f[1] * d[2] - f[2] * d[1], f[2] * d[0] - f[0] * d[2], f[0] * d[1] - f[1] * d[0]];
        expect(Math.hypot(...cross)).toBeLessThan(1e-5 * Math.hypot(...d) + 1e-6);
        const tri: Structure = { ...pair, numbers: Int32Array.from([29, 79, 29]), species: ['Cu', 'Au', 'Cu'], cart: Float64Array.from([0, 0, 0, 2.1, 0.3, 0, 0.7, 1.9, 0.4]), occupancy: Float64Array.from([1, 1, 1]) };
        const t = evaluateStructures(model, [tri], { forces: true, stress: false }).forces!;
        for (let c = 0; c < 3; c++) expect(Math.abs(t[c] + t[3 + c] + t[6 + c])).toBeLessThan(1e-5);
        model.dispose();
      });

      it('batching does not mix structures', () => {
        const model = modelFor(arch);
        const s1 = rattledAlloy(7);
        const s2 = supercell(rattledAlloy(8), [1, 2, 1]);
        const a = evaluateStructures(model, [s1]);
        const b = evaluateStructures(model, [s2]);
        const ab = evaluateStructures(model, [s1, s2]);
        expect(maxAbsDiff(ab.energy, [a.energy[0], b.energy[0]])).toBeLessThan(1e-4);
        expect(maxAbsDiff(ab.forces!, [...a.forces!, ...b.forces!])).toBeLessThan(1e-5);
        expect(maxAbsDiff(ab.stress!, [...a.stress!, ...b.stress!])).toBeLessThan(1e-6);
        model.dispose();
      });

      it('leaks no tensors (energy, forces, stress)', () => {
        const model = modelFor(arch);
        const batch = batchPotentialGraphs([potentialGraph(rattledAlloy(9), model.config.radial.cutoff)]);
        expectNoLeak(() => {
          evaluateBatch(model, batch, { forces: true, stress: true });
          evaluateBatch(model, batch, { forces: false, stress: false });
        });
        model.dispose();
      });
    });
  }
});
