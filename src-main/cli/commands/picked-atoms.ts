/**
 * The atoms an option of a command picks in a structure (`--fixed` of relax, md and structure msd,
 * `--atoms` of vibrations).
 */
import type { Structure } from '../../../src-shared/chem/structure';
import { indexList, parseAtomIndices } from '../../../src-shared/sim/constraints';
import { UsageProblem } from '../command';

/**
 * The atoms `--fixed` or `--atoms` picks in the structure of FILE (its positions resolve `z<8.5`); throws a
 * usage message naming the option: not a list of atoms, none picked (with where the atoms are), an index
 * beyond the structure's atoms.
 */
export function pickedAtoms(option: 'fixed' | 'atoms', v: unknown, structure: Pick<Structure, 'numbers' | 'cart'>, file: string): number[] {
  const text = String(v);
  const list = parseAtomIndices(text, structure.cart);
  const plane = option === 'fixed' ? 'the atoms below a plane like z<8.5' : 'the atoms above a plane like z>8.5';
  if (!list) throw new UsageProblem(`--${option} ${text}: expected atom indices like 0,1,5, ranges like 0-15, or ${plane} (Å)`);
  const n = structure.numbers.length;
  if (list.length === 0) {
    const span = [0, 1, 2].map((k) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, structure.cart[3 * i + k]);
        hi = Math.max(hi, structure.cart[3 * i + k]);
      }
      return `${'xyz'[k]} ${lo.toFixed(3)} to ${hi.toFixed(3)}`;
    });
    throw new UsageProblem(`--${option} ${text}: picks no atom of ${file} (its ${n} atoms lie at ${span.join(', ')} Å)`);
  }
  const outside = list.filter((i) => i >= n);
  if (outside.length) throw new UsageProblem(`--${option} ${text}: ${file} has ${n} atoms (0-based), not ${indexList(outside)}`);
  return list;
}
