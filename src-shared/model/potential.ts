/**
 * Configuration of an interatomic potential: a model of the energy E(r₁…r_N, cell) from
 * which forces F = −∂E/∂r and stress σ = (1/V)·∂E/∂ε follow by differentiation.
 *
 * One document `{schemaVersion, kind: 'potential', preset?, architecture, model, radial,
 * training}`; every field has a default, so `{kind: 'potential', architecture: 'painn'}` is
 * valid (the architectures and their presets: src-main/engine/architectures/registry.ts). Units: Å, eV, eV/Å, eV/Å³ (stress in ASE's sign convention, Voigt order xx, yy, zz,
 * yz, xz, xy).
 *
 * Loss (see docs/potentials.md): per batch
 *   L = w_E · mean_s ρ((Ê_s − E_s)/n_s) + w_F · mean_{i,c} ρ(F̂_ic − F_ic) + w_σ · mean_{s,k} ρ(σ̂_sk − σ_sk)
 * with ρ(x) = x² (mse) or Huber(x; δ), errors in eV/atom, eV/Å and eV/Å³.
 *
 * Best epoch: the lowest validation error
 *   score = energyMae/1 meV·atom⁻¹ · w_E' + forceMae/(1 meV/Å) · w_F' + stressMae/(1 meV/Å³) · w_σ'
 * with w' = 1 for every quantity trained on (0 otherwise): each MAE in the unit the goals are
 * stated in, so one meV/atom of energy error counts as much as one meV/Å of force error.
 */
import { z } from 'zod';
import { cutoffField, epochsField, mergeConfig, nonNegNum, OptimizerSchema, posInt, posNum, ScheduleSchema, seedField, SplitSchema } from './config';
import { COMMON_HINTS, type FieldHint } from './form';

export const POTENTIAL_ARCHITECTURES = ['schnet', 'painn'] as const;
export type PotentialArchitecture = (typeof POTENTIAL_ARCHITECTURES)[number];

export const RADIAL_BASES = ['bessel', 'gaussian'] as const;
export const ENVELOPES = ['cosine', 'polynomial'] as const;
export const POTENTIAL_ACTIVATIONS = ['silu', 'shifted-softplus'] as const;

export const PotentialModelSchema = z.object({
  /** F: width of the scalar (and, for PaiNN, of each vector component's) atom features. */
  features: posInt('model.features').default(64),
  /** Number of interaction (message-passing) blocks. */
  numLayers: posInt('model.numLayers').default(3),
  /** SchNet: width of the filter network (PaiNN's filters are 3F wide by construction). */
  filterFeatures: posInt('model.filterFeatures').default(64),
  /** Hidden width of the per-atom energy head (F → hidden → 1). */
  headHidden: posInt('model.headHidden').default(32),
  activation: z.enum(POTENTIAL_ACTIVATIONS, { error: `model.activation must be one of ${POTENTIAL_ACTIVATIONS.join(', ')}` }).default('silu'),
  /** Highest atomic number the element embedding covers (rows 0..maxZ). */
  maxZ: posInt('model.maxZ').max(118, { error: 'model.maxZ must be at most 118 (oganesson)' }).default(94),
  /**
   * PaiNN: ε of its vector norm √(‖V v⃗‖² + ε). 1e-8 is the paper's and SchNetPack's (and every model
   * file written before it was a field); a larger ε smooths the norm where symmetry makes V v⃗ vanish
   * (docs/simulation.md, "Phonons").
   */
  vectorNormEpsilon: posNum('model.vectorNormEpsilon').default(1e-8),
});
export type PotentialModelSection = z.infer<typeof PotentialModelSchema>;

/**
 * The `model` fields every potential architecture has (the form's common fields); an
 * architecture's own fields (SchNet's filterFeatures, PaiNN's vectorNormEpsilon) are on its definition in the engine's
 * registry, which builds each architecture's schema from both.
 */
export const POTENTIAL_MODEL_FIELDS = (({ filterFeatures: _schnet, vectorNormEpsilon: _painn, ...common }) => common)(PotentialModelSchema.shape);

/**
 * Form labels and hints of the potentials' common fields, by dotted path (an architecture adds its own
 * `model.<field>`): the property models' labels for the fields both have (optimiser, schedule, split…),
 * in the same words, and the potentials' own.
 */
export const POTENTIAL_HINTS: Readonly<Record<string, FieldHint>> = {
  ...COMMON_HINTS,
  architecture: { label: 'Architecture', hint: 'Interatomic potential: energy from per-atom terms, forces and stress by differentiation' },
  'model.features': { label: 'Features', hint: 'Width F of the atom features (PaiNN: of the scalar and of each vector component)' },
  'model.numLayers': { label: 'Interaction blocks', hint: 'Message-passing blocks' },
  'model.headHidden': { label: 'Head width', hint: 'Hidden width of the per-atom energy head (F → hidden → 1)' },
  'model.activation': { label: 'Activation', hint: 'silu (PaiNN) or shifted softplus (SchNet)' },
  'model.maxZ': { label: 'Highest Z', hint: 'Highest atomic number the element embedding covers' },
  radial: { label: 'Radial basis', hint: 'Neighbours within the cutoff, expanded in a radial basis with a smooth envelope' },
  'radial.cutoff': { label: 'Cutoff (Å)', hint: 'Every pair within it is an edge (no neighbour cap)' },
  'radial.basis': { label: 'Basis', hint: 'bessel sin(nπd/r_c)/d or gaussian exp(−(d−μ_k)²/2w²)' },
  'radial.numBasis': { label: 'Basis functions', hint: 'K radial functions' },
  'radial.envelope': { label: 'Envelope', hint: 'Smooth cut to zero at r_c: cosine or polynomial' },
  'radial.envelopeExponent': { label: 'Envelope order', hint: 'p of the polynomial envelope' },
  'training.forces': { label: 'Train on forces', hint: 'When the frames have forces' },
  'training.stress': { label: 'Train on stress', hint: 'When the frames have stresses (periodic cells)' },
  'training.loss': { label: 'Loss', hint: 'Weighted energy per atom, force component and stress errors' },
  'training.loss.kind': { label: 'Error function', hint: 'mse: squared errors; huber: quadratic up to δ, linear beyond' },
  'training.loss.huberDelta': { label: 'Huber δ', hint: 'Where the Huber loss turns linear, in each error’s unit (eV/atom, eV/Å, eV/Å³)' },
  'training.loss.energyWeight': { label: 'Energy weight', hint: 'w_E of the per-atom energy error (eV/atom)²' },
  'training.loss.forcesWeight': { label: 'Force weight', hint: 'w_F of the force component error (eV/Å)²' },
  'training.loss.stressWeight': { label: 'Stress weight', hint: 'w_σ of the stress component error (eV/Å³)²' },
  'training.maxSeconds': { label: 'Time budget (s)', hint: 'Stop after the epoch that crosses it (empty: none)' },
  'training.finalDecay': { label: 'Final decay', hint: 'Share of the run (epochs, or the time budget when it ends first) over which the rate falls linearly to 1 % (0: off)' },
};

/**
 * Most radial basis functions K of a potential (decided in session 46). SchNet's 300 Gaussians (0.1 Å
 * apart up to 30 Å) are the most a published potential uses (PaiNN 20, DimeNet 6, NequIP and MACE 8;
 * our presets 25 and 48). The filter tables keep about a dozen float32 numbers per basis function
 * for each of their nodes, one every 0.005 Å of the cutoff (src-main/engine/potential/filter-table.ts):
 * ~90 MB at 300 functions and the largest cutoff, while 10⁶ passed the check and asked ~290 GB.
 */
export const MAX_RADIAL_BASIS = 300;

export const RadialSchema = z.object({
  /** Neighbour cutoff r_c, Å: every pair within it is an edge (no neighbour cap). */
  cutoff: cutoffField('radial.cutoff').default(5),
  /** bessel: sin(nπd/r_c)/d, n = 1..K (PaiNN, DimeNet); gaussian: exp(−(d−μ_k)²/2w²), μ_k evenly over [0, r_c], w their spacing (SchNet). */
  basis: z.enum(RADIAL_BASES, { error: `radial.basis must be one of ${RADIAL_BASES.join(', ')}` }).default('bessel'),
  numBasis: posInt('radial.numBasis')
    .max(MAX_RADIAL_BASIS, { error: `radial.numBasis must be at most ${MAX_RADIAL_BASIS} (SchNet's 300 Gaussians are the most a published potential uses; PaiNN uses 20)` })
    .default(20),
  /** Smooth envelope to zero at r_c: cosine ½(cos(πd/r_c)+1) or the polynomial of order p (DimeNet; continuous to the 2nd derivative). */
  envelope: z.enum(ENVELOPES, { error: `radial.envelope must be one of ${ENVELOPES.join(', ')}` }).default('cosine'),
  envelopeExponent: posInt('radial.envelopeExponent').default(5),
});
export type RadialSettings = z.infer<typeof RadialSchema>;

export const PotentialLossSchema = z.object({
  kind: z.enum(['mse', 'huber'], { error: 'loss.kind must be one of mse, huber' }).default('mse'),
  /** δ of the Huber loss, in the units of each error (eV/atom, eV/Å, eV/Å³). */
  huberDelta: posNum('loss.huberDelta').default(0.01),
  /** Weight of the per-atom energy error (eV/atom)². */
  energyWeight: nonNegNum('loss.energyWeight').default(1),
  /** Weight of the force component error (eV/Å)². */
  forcesWeight: nonNegNum('loss.forcesWeight').default(1),
  /** Weight of the stress component error (eV/Å³)². */
  stressWeight: nonNegNum('loss.stressWeight').default(10),
});
export type PotentialLoss = z.infer<typeof PotentialLossSchema>;

export const PotentialTrainingSchema = z.object({
  /** Train on forces (when the data has them). */
  forces: z.boolean().default(true),
  /** Train on stress (when the data has it; periodic structures only). */
  stress: z.boolean().default(true),
  loss: PotentialLossSchema.prefault({}),
  optimizer: OptimizerSchema.prefault({ kind: 'adam', lr: 0.002 }),
  weightDecay: nonNegNum('training.weightDecay').default(0),
  schedule: ScheduleSchema.prefault({ kind: 'plateau', factor: 0.5, patience: 5 }),
  /**
   * Share of the run (its epochs, or training.maxSeconds when that ends it first) over which the
   * scheduled rate decays linearly to 1 % of itself at the end (0: none).
   */
  finalDecay: z.number().min(0, { error: 'training.finalDecay must be between 0 and 1' }).max(1, { error: 'training.finalDecay must be between 0 and 1' }).default(0),
  gradClipNorm: posNum('training.gradClipNorm').nullable().default(10),
  /** Exponential moving average of the weights used for validation and the saved model (0: off). */
  emaDecay: z.number({ error: 'training.emaDecay must be a number' }).min(0, { error: 'training.emaDecay must be 0 or more' }).max(0.9999, { error: 'training.emaDecay must be below 1' }).default(0.99),
  batchSize: posInt('training.batchSize').default(16),
  epochs: epochsField('training.epochs').default(100),
  /** Wall-clock budget in seconds (null: none): training stops after the epoch that crosses it. */
  maxSeconds: posNum('training.maxSeconds').nullable().default(null),
  earlyStoppingPatience: posInt('training.earlyStoppingPatience').nullable().default(null),
  split: SplitSchema.prefault({}),
  seed: seedField('training.seed').default(123),
});
export type PotentialTraining = z.infer<typeof PotentialTrainingSchema>;

export const PotentialConfigSchema = z.object({
  schemaVersion: z.literal(1, { error: 'schemaVersion must be 1' }).default(1),
  kind: z.literal('potential', { error: 'kind must be potential' }),
  preset: z.string().optional(),
  architecture: z.enum(POTENTIAL_ARCHITECTURES, { error: `architecture must be one of ${POTENTIAL_ARCHITECTURES.join(', ')}` }),
  model: PotentialModelSchema.prefault({}),
  radial: RadialSchema.prefault({}),
  training: PotentialTrainingSchema.prefault({}),
});
export type PotentialConfig = z.infer<typeof PotentialConfigSchema>;
export type PotentialConfigInput = z.input<typeof PotentialConfigSchema>;

export class PotentialConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid potential config:\n  ${issues.join('\n  ')}`);
    this.name = 'PotentialConfigError';
  }
}

/** Validates and fills defaults; throws {@link PotentialConfigError} listing every problem. */
export function parsePotentialConfig(input: unknown): PotentialConfig {
  const r = PotentialConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new PotentialConfigError(r.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`));
}

/**
 * A fine-tuning run's config (before validation): the source potential's architecture, sizes and
 * cutoff with this run's training section. It names no preset: a preset is where a run from
 * scratch starts, and this one starts from trained weights (its provenance names them).
 */
export function fineTunedPotentialInput(source: object, training: unknown): Record<string, unknown> {
  const kept: Record<string, unknown> = { ...source };
  delete kept.preset;
  return mergeConfig(kept, { training: training ?? {} });
}

export function isPotentialConfig(x: unknown): x is PotentialConfig {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'potential';
}
