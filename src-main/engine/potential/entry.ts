/**
 * One entry of `latticework predict --json` for a potential (a trained one or a built-in
 * calculator): {"file", "frame", "model", "energy", "energyPerAtom", "forces": [[x, y, z], ...],
 * "stress": [6] | null, "std"?: {...}, "warnings"?: [...]} in eV, eV/Å and eV/Å³ (Voigt xx yy zz yz xz xy,
 * ASE's sign). "warnings" (trained potentials; the built-in calculators have no training domain):
 * why the structure or its energy lies outside what the potential was trained on
 * (src-shared/model/potential-domain), [] inside. "contributions" (with `--contributions`): each atom's
 * energy, eV, in the order of the atoms; they add up to "energy".
 * A module of its own so that the built-in calculators print it without loading tfjs.
 */
import type { Structure } from '../../../src-shared/chem/structure';
import type { PotentialPrediction } from './file';

const rows3 = (a: ArrayLike<number>) => Array.from({ length: a.length / 3 }, (_, i) => [a[3 * i], a[3 * i + 1], a[3 * i + 2]]);

export interface PotentialEntry {
  file: string;
  frame: number;
  model: string;
  energy: number;
  energyPerAtom: number;
  forces: number[][] | null;
  stress: number[] | null;
  std?: { energy: number; energyPerAtom: number; forces: number[][] | null; forceNorm: number[] | null; stress: number[] | null };
  warnings?: string[];
  contributions?: number[];
}

export function potentialEntry(file: string, frame: number, model: string, s: Structure, p: PotentialPrediction, warnings?: string[], contributions = false): PotentialEntry {
  const n = s.numbers.length;
  return {
    file,
    frame,
    model,
    energy: p.energy,
    energyPerAtom: p.energy / n,
    forces: p.forces ? rows3(p.forces) : null,
    stress: p.stress ? Array.from(p.stress) : null,
    ...(p.std
      ? {
          std: {
            energy: p.std.energy,
            energyPerAtom: p.std.energy / n,
            forces: p.std.forces ? rows3(p.std.forces) : null,
            forceNorm: p.std.forceNorm ? Array.from(p.std.forceNorm) : null,
            stress: p.std.stress ? Array.from(p.std.stress) : null,
          },
        }
      : {}),
    ...(warnings ? { warnings } : {}),
    ...(contributions ? { contributions: Array.from(p.atomEnergies) } : {}),
  };
}

