/**
 * Weight initialisers, seeded through the run's Rng (src-shared/model/rng) so that a
 * run's initial weights follow from its seed.
 *
 * `torch-linear` is PyTorch's default for nn.Linear: weight and bias uniform in
 * ±1/√fanIn (kaiming_uniform with a = √5), which is what CGCNN trained with.
 */
import { Rng } from '../../../src-shared/model/rng';

export type InitializerKind = 'torch-linear' | 'glorot-uniform' | 'zeros' | 'ones';

export function initValues(size: number, kind: InitializerKind, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  switch (kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'torch-linear': {
      const b = 1 / Math.sqrt(Math.max(1, fanIn));
      for (let i = 0; i < size; i++) out[i] = rng.uniform(-b, b);
      return out;
    }
    case 'glorot-uniform': {
      const b = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
      for (let i = 0; i < size; i++) out[i] = rng.uniform(-b, b);
      return out;
    }
  }
}

let fallbackSeed = 0x5eed;
/** An Rng for callers that do not care about reproducibility (tests, tools). */
export function defaultRng(): Rng {
  return new Rng(fallbackSeed++);
}
