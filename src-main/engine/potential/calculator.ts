/**
 * A trained potential as the simulator's `Calculator` (src-shared/sim/calculator.ts): energy,
 * forces (−∂E/∂r) and stress ((1/V)·∂E/∂ε, asked for or not) of the configuration a relaxation or
 * a molecular-dynamics run hands it, every step. Ensembles give the member mean. The neighbour
 * graph is rebuilt each call (every pair within the cutoff).
 */
import { CalculatorError, type Calculation, type CalculateOptions, type Calculator } from '../../../src-shared/sim/calculator';
import type { AtomicConfiguration } from '../../../src-shared/sim/atoms';
import type { LoadedPotential } from './file';

export class PotentialCalculator implements Calculator {
  readonly name: string;

  constructor(private readonly potential: LoadedPotential) {
    this.name = potential.name;
  }

  // async: a configuration it cannot describe is a rejected promise, like any other failure
  async calculate(atoms: AtomicConfiguration, options: CalculateOptions = {}): Promise<Calculation> {
    const maxZ = this.potential.config.model.maxZ;
    for (const z of atoms.numbers) if (z < 1 || z > maxZ) throw new CalculatorError(`${this.name}: element Z = ${z} is outside the potential's element embedding (1..${maxZ})`);
    const periodic = atoms.lattice !== null && atoms.pbc.length === 3 && atoms.pbc.every(Boolean);
    const wantStress = (options.stress ?? true) && periodic;
    const [p] = this.potential.predict([atoms], { forces: true, stress: wantStress });
    return { energy: p.energy, forces: p.forces!, stress: wantStress ? p.stress : null, energies: p.atomEnergies };
  }

  dispose(): void {
    this.potential.dispose();
  }
}
