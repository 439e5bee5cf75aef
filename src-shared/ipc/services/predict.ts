/** Prediction with a stored model, per-atom contributions, and the over-smoothing view. */
import { z } from 'zod';
import { event, method } from '../define';

export interface PredictionRow {
  structureId: number;
  name: string;
  modelId: number;
  model: string;
  /** The prediction in the model's units (classification: probability of class 1). */
  prediction: number;
  /** Spread over ensemble members; null for a single model. */
  std: number | null;
  units: string;
  /** What each atom adds to the prediction (where the readout allows), in the model's units; else null. */
  perAtom: number[] | null;
  /** Why the structure or the prediction lies outside the model's training domain, and where the model's graph is not the structure (model/graph-warnings), one reason each; empty when neither. */
  warnings: string[];
}

/**
 * Rows of a `predict.run` as its parts finish (parts complete in any order; `run` still resolves
 * with every row in the order asked). A cancelled run keeps the rows already sent.
 */
export interface PredictionRowsEvent {
  jobId: string;
  rows: PredictionRow[];
  failed: { structureId: number; message: string }[];
}

export interface OversmoothingView {
  modelId: number;
  structureId: number;
  /** Layer 0 is the embedded input; then one entry per message-passing layer. */
  layers: { layer: number; meanCosine: number; dirichletEnergy: number }[];
}

/**
 * An interatomic potential's prediction on one stored structure, beside the structure's own labels
 * (from a file with energies/forces/stress). Units: eV, eV/Å, eV/Å³; stress as Voigt
 * (xx, yy, zz, yz, xz, xy) with ASE's sign (positive = tensile).
 */
export interface PotentialPredictionView {
  modelId: number;
  model: string;
  structureId: number;
  name: string;
  energy: number;
  energyPerAtom: number;
  /** Per atom, eV; they sum to `energy`. */
  atomEnergies: number[];
  /** [N][3], eV/Å. */
  forces: number[][];
  /** Null without a 3D-periodic cell. */
  stress: number[] | null;
  /** Ensembles only: member standard deviations (forceNorm per atom = √(Σ_c std_c²)). */
  std: { energy: number; forces: number[][] | null; forceNorm: number[] | null; stress: number[] | null } | null;
  /** The structure's own labels (each null when the file had none). */
  reference: { energy: number | null; forces: number[][] | null; stress: number[] | null };
}

/**
 * A potential run's model on the run's own validation and test structures: energy per atom
 * (eV/atom) per structure, and force components (eV/Å) grouped by split and element (x, y, z of
 * each atom in turn), predicted beside the reference labels.
 */
export interface PotentialParityView {
  runId: number;
  modelId: number;
  model: string;
  energies: { split: 'validation' | 'test'; index: number; atoms: number; target: number; prediction: number }[];
  forces: { split: 'validation' | 'test'; element: string; target: number[]; prediction: number[] }[];
}

export const predictService = {
  methods: {
    run: method<{ rows: PredictionRow[]; failed: { structureId: number; message: string }[] }>()(
      z
        .object({
          modelId: z.number().int().positive(),
          structureIds: z.array(z.number().int().positive()).min(1).max(100_000),
          jobId: z.string().min(1).max(100).optional(),
        })
        .strict(),
    ),
    /** Energy, per-atom energies, forces and stress of a stored structure by a potential (task 'potential'). */
    potential: method<PotentialPredictionView>()(
      z.object({ modelId: z.number().int().positive(), structureId: z.number().int().positive() }).strict(),
    ),
    /** Parity data of a finished potential run (its model on its validation and test structures). */
    potentialParity: method<PotentialParityView>()(z.object({ runId: z.number().int().positive() }).strict()),
    oversmoothing: method<OversmoothingView>()(
      z.object({ modelId: z.number().int().positive(), structureId: z.number().int().positive() }).strict(),
    ),
  },
  events: {
    onRows: event<PredictionRowsEvent>(),
  },
} as const;
