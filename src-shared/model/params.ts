/**
 * Parameter counts of the parts every model shares (atom embedding, readout, head), without
 * building the model. The engine's registry adds each architecture's own layers
 * (`parameterBreakdown` in src-main/engine/architectures/registry.ts) and a test compares
 * the total with the built models' variables. Trainable parameters only; batch-norm running
 * statistics are state, reported separately.
 *
 * Legend: Fin atom input width, F atom features, H hidden features after pooling,
 * P pooled width, O head outputs.
 */
import { atomInputLength, headOutputs, type ModelConfig } from './config';

export interface ParameterBreakdown {
  /** Input embedding (Linear or lookup table), plus an architecture's edge embedding if it has one. */
  embedding: number;
  /** One message-passing layer. */
  layer: number;
  /** All message-passing layers together. */
  layers: number;
  readout: number;
  head: number;
  /** Trainable total. */
  total: number;
  /** Non-trainable state (batch-norm running mean/variance). */
  state: number;
}

/** Weights (and bias) of a dense layer i → o. */
export const linearParameters = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);

/** Atom embedding: a lookup table (Fin × F) or a dense layer Fin → F. */
export function atomEmbeddingParameterCount(c: ModelConfig): number {
  const Fin = atomInputLength(c);
  return c.model.atomInput.kind === 'embedding' ? Fin * c.model.atomFeatures : linearParameters(Fin, c.model.atomFeatures);
}

/** Width of the pooled vector the readout produces from F-wide node states. */
export function pooledWidth(c: ModelConfig): number {
  return c.model.readout === 'set2set' ? 2 * c.model.atomFeatures : c.model.atomFeatures;
}

export function readoutParameterCount(c: ModelConfig): number {
  const F = c.model.atomFeatures;
  switch (c.model.readout) {
    case 'sum':
    case 'mean':
    case 'max':
      return 0;
    case 'attention':
      return linearParameters(F, 1);
    case 'set2set':
      // LSTM: input q* (2F), hidden F; four gates with one bias each
      return 4 * (2 * F * F + F * F + F);
  }
}

/** MLP head: numHidden layers of H, then the output layer. */
export function headParameterCount(inputWidth: number, hidden: number, numHidden: number, outputs: number): number {
  if (numHidden === 0) return linearParameters(inputWidth, outputs);
  return linearParameters(inputWidth, hidden) + (numHidden - 1) * linearParameters(hidden, hidden) + linearParameters(hidden, outputs);
}

/** Readout and head of a config: per-atom heads skip the readout and act on F-wide node states. */
export function outputParameterCount(c: ModelConfig): { readout: number; head: number } {
  const perAtom = c.model.head.kind === 'per-atom';
  return {
    readout: perAtom ? 0 : readoutParameterCount(c),
    head: headParameterCount(perAtom ? c.model.atomFeatures : pooledWidth(c), c.model.hiddenFeatures, c.model.numHidden, headOutputs(c)),
  };
}
