/**
 * Parameter count from a config, without building the model.
 *
 * Mirrors the assembly in `src-main/engine/layers/model.ts` (tested against the
 * built models' variables). Counts trainable parameters; batch-norm running
 * statistics are state, reported separately.
 *
 * Legend: Fin atom input width, F atom features, Fe Gaussian edge features,
 * Ff SchNet filter width, De mpnn-edge edge state, K attention heads, H hidden
 * features after pooling, P pooled width, O head outputs.
 */
import { atomInputLength, gaussianCount, headOutputs, type ModelConfig } from './config';

export interface ParameterBreakdown {
  /** Input embedding (Linear or lookup table), and for mpnn-edge the edge embedding. */
  embedding: number;
  /** All message-passing layers together. */
  layers: number;
  readout: number;
  head: number;
  /** Trainable total. */
  total: number;
  /** Non-trainable state (batch-norm running mean/variance). */
  state: number;
}

const linear = (i: number, o: number, bias = true) => i * o + (bias ? o : 0);

/** Trainable parameters of one message-passing layer of the config's architecture. */
export function layerParameterCount(c: ModelConfig): { trainable: number; state: number } {
  const F = c.model.atomFeatures;
  const Fe = gaussianCount(c.graph);
  switch (c.architecture) {
    case 'cgcnn':
      // fc_full (2F+Fe → 2F), bn1 (γ, β over 2F), bn2 (γ, β over F)
      return { trainable: linear(2 * F + Fe, 2 * F) + 2 * 2 * F + 2 * F, state: 2 * 2 * F + 2 * F };
    case 'gcn':
      return { trainable: linear(F, F), state: 0 };
    case 'schnet': {
      const Ff = c.model.filterFeatures;
      // in2f (no bias), filter net Fe→Ff→Ff, f2out Ff→F, dense F→F
      return { trainable: linear(F, Ff, false) + linear(Fe, Ff) + linear(Ff, Ff) + linear(Ff, F) + linear(F, F), state: 0 };
    }
    case 'mpnn-edge': {
      const De = c.model.edgeFeatures;
      // edge MLP (2F+De → De → De), node MLP (F+De → F → F)
      return { trainable: linear(2 * F + De, De) + linear(De, De) + linear(F + De, F) + linear(F, F), state: 0 };
    }
    case 'gat': {
      const K = c.model.attentionHeads;
      // per head: W (F→F, no bias), a_dst (F), a_src (F), a_edge (Fe); shared output bias F
      return { trainable: K * (F * F + 2 * F + Fe) + F, state: 0 };
    }
  }
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
      return linear(F, 1);
    case 'set2set':
      // LSTM: input q* (2F), hidden F; four gates with one bias each
      return 4 * (2 * F * F + F * F + F);
  }
}

/** MLP head: numHidden layers of H, then the output layer. */
export function headParameterCount(inputWidth: number, hidden: number, numHidden: number, outputs: number): number {
  if (numHidden === 0) return linear(inputWidth, outputs);
  return linear(inputWidth, hidden) + (numHidden - 1) * linear(hidden, hidden) + linear(hidden, outputs);
}

export function parameterBreakdown(c: ModelConfig): ParameterBreakdown {
  const F = c.model.atomFeatures;
  const Fin = atomInputLength(c);
  let embedding = c.model.atomInput.kind === 'embedding' ? Fin * F : linear(Fin, F);
  if (c.architecture === 'mpnn-edge') embedding += linear(gaussianCount(c.graph), c.model.edgeFeatures);
  const layer = layerParameterCount(c);
  const layers = c.model.numLayers * layer.trainable;
  const perAtom = c.model.head.kind === 'per-atom';
  const readout = perAtom ? 0 : readoutParameterCount(c);
  const head = headParameterCount(perAtom ? F : pooledWidth(c), c.model.hiddenFeatures, c.model.numHidden, headOutputs(c));
  return { embedding, layers, readout, head, total: embedding + layers + readout + head, state: c.model.numLayers * layer.state };
}

/** Trainable parameters of the model a config describes. */
export function parameterCount(c: ModelConfig): number {
  return parameterBreakdown(c).total;
}
