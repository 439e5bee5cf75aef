/**
 * A trained potential as the simulator's `Calculator` (src-shared/sim/calculator.ts): energy,
 * forces (−∂E/∂r) and stress ((1/V)·∂E/∂ε, asked for or not) of the configuration a relaxation or
 * a molecular-dynamics run hands it, every step. Ensembles give the member mean, and how far the
 * members disagree on the forces (`forceSpread`).
 *
 * The graph (every pair within the cutoff) comes from a Verlet pair list kept across calls
 * (src-shared/sim/pairs.ts, cutoff + `skin`): the neighbour search runs again only when the atoms
 * or the cell moved enough that an unlisted pair could have come within the cutoff (or the
 * number of atoms or the periodicity changed); otherwise a step only filters the listed pairs by
 * their current distance. The edges are the same as a fresh search's (their order within an
 * atom's may differ: sums change at most by float32 rounding).
 */
import { CalculatorError, type Calculation, type CalculateOptions, type Calculator, type Reach } from '../../../src-shared/sim/calculator';
import type { AtomicConfiguration } from '../../../src-shared/sim/atoms';
import { PairList, samePositionText } from '../../../src-shared/sim/pairs';
import type { LoadedPotential } from './file';
import { potentialGraphOfPairs } from './frames';

export class PotentialCalculator implements Calculator {
  readonly name: string;
  private readonly pairs: PairList;

  /** `skin`: Å searched beyond the cutoff so that the pair list survives small moves (0: a new search every call). */
  constructor(
    private readonly potential: LoadedPotential,
    options: { skin?: number } = {},
  ) {
    this.name = potential.name;
    this.pairs = new PairList(potential.config.radial.cutoff, options.skin ?? 0.5);
  }

  /** The cutoff times the interaction blocks: each block passes messages one cutoff further. */
  get reach(): Reach {
    const { radial, model } = this.potential.config;
    return { distance: radial.cutoff * model.numLayers, what: model.numLayers === 1 ? 'its cutoff' : `its cutoff ${radial.cutoff} Å × ${model.numLayers} interaction blocks` };
  }

  /** How many times the neighbour search ran (for tests and reports). */
  get neighborSearches(): number {
    return this.pairs.builds;
  }

  // async: a configuration it cannot describe is a rejected promise, like any other failure
  async calculate(atoms: AtomicConfiguration, options: CalculateOptions = {}): Promise<Calculation> {
    const periodic = atoms.lattice !== null && atoms.pbc.length === 3 && atoms.pbc.every(Boolean);
    const wantStress = (options.stress ?? true) && periodic;
    this.pairs.update(atoms);
    // atoms that met during a run, refused as EMT refuses them (the model's numbers would be NaN)
    const same = this.pairs.samePosition();
    if (same) throw new CalculatorError(`${this.name}: ${samePositionText(same)}`);
    const graph = potentialGraphOfPairs(atoms, this.pairs, this.potential.config.radial.cutoff);
    const [p] = this.potential.predictGraphs([graph], { forces: true, stress: wantStress });
    const spread = p.std?.forceNorm;
    return {
      energy: p.energy,
      forces: p.forces!,
      stress: wantStress ? p.stress : null,
      energies: p.atomEnergies,
      ...(spread && spread.length ? { forceSpread: spread.reduce((a, b) => Math.max(a, b), 0) } : {}),
    };
  }

  dispose(): void {
    this.potential.dispose();
  }
}
