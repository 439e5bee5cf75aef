/** Prediction with a stored model, per-atom contributions, and the over-smoothing view. */
import { z } from 'zod';
import { method } from '../define';

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
}

export interface OversmoothingView {
  modelId: number;
  structureId: number;
  /** Layer 0 is the embedded input; then one entry per message-passing layer. */
  layers: { layer: number; meanCosine: number; dirichletEnergy: number }[];
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
    oversmoothing: method<OversmoothingView>()(
      z.object({ modelId: z.number().int().positive(), structureId: z.number().int().positive() }).strict(),
    ),
  },
  events: {},
} as const;
