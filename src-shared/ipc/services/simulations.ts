/**
 * Simulations with a potential (relaxation, molecular dynamics, equation of state) of a stored
 * structure, run in a compute worker and recorded in SQLite frame by frame. Parameter schemas are
 * the user-facing ones of `src-shared/sim/job.ts` (pressures in GPa, times in fs).
 */
import { z } from 'zod';
import type { Mat3 } from '../../chem/structure';
import type { CalculatorSpec, NebParameters, SimulationParameters, SimulationSummary, SimulationTask, StepValues } from '../../sim/job';
import { MAX_PRESSURE_GPA, PRESSURE_RANGE_TEXT } from '../../sim/units';
import { groupThousands } from '../../text';
import type { StructureRecord } from '../contract';
import { event, method } from '../define';

export type { CalculatorSpec, NebParameters, SimulationParameters, SimulationSummary, SimulationTask, StepValues } from '../../sim/job';

/**
 * A band as a run is asked for: its end state is a stored structure, whose positions the service takes
 * (sim/neb.ts `bandEnd`); its images start on the straight line or IDPP's path (a band from given images
 * is `continueBand`'s).
 */
export type NebRequest = Omit<NebParameters, 'end' | 'endName' | 'startImages' | 'path'> & { endStructureId: number; path: Exclude<NebParameters['path'], 'given'> };
/** The parameters `start` takes: a task's own, a band's with its end state by id. */
export type SimulationRequest = Exclude<SimulationParameters, NebParameters> | NebRequest;

export type SimulationStatusName = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** Statuses of a simulation that is (or was, when its process died) going. */
export const ACTIVE_SIMULATION_STATUSES: readonly SimulationStatusName[] = ['queued', 'running'];

/**
 * A simulation run as listed, and as its status events tell it: what it is and how far it has come. Its
 * results (a phonon run's force constants, a vibrations run's modes: up to 200,000 numbers) come with its
 * detail (`get`) alone, so that listing runs costs the same whatever they computed.
 */
export interface SimulationRecord {
  id: number;
  name: string;
  /**
   * Whether the name was given when the run started (by the user, or a continued band's "NAME, continued")
   * rather than made when it was stored ("relax of Cu4 with emt #12"); null: stored before this was recorded.
   */
  nameGiven: boolean | null;
  task: SimulationTask;
  status: SimulationStatusName;
  /** The stored structure it started from (null once that structure is deleted). */
  structureId: number | null;
  structureName: string;
  /** The starting structure's formula as a chemist writes it: reduced for a crystal (Ag2Ni2, not the POSCAR's "Ni Ag Ni Ag"), Hill for a molecule. */
  formula: string;
  nAtoms: number;
  /** 'emt', 'lj', 'morse' or the trained potential's name (its spec: `{kind: 'model', modelId}`). */
  calculator: string;
  calculatorSpec: CalculatorSpec;
  parameters: SimulationParameters;
  /** Why it stopped (or where it is). */
  message: string;
  /**
   * A trained potential's run: each way its frames left the potential's training structures (pairs
   * of elements closer than in training, energies above their range), at the first frame showing it
   * ("step N: …"; src-shared/model/potential-domain), kept as the frames are written (so a run the
   * app was killed in keeps them too); [] none did. null: a built-in calculator, or a run still going
   * that has found none yet.
   */
  warnings: string[] | null;
  /** Steps recorded so far. */
  steps: number;
  /** Frames recorded so far. */
  frames: number;
  startedAt: number;
  finishedAt: number | null;
  /** Seconds of work. */
  duration: number;
}

/** One recorded frame: the geometry and what was computed on it. */
export interface SimulationFrameView {
  index: number;
  step: number;
  time: number | null;
  energy: number;
  values: StepValues;
  lattice: Mat3 | null;
  /** Cartesian positions, Å, 3 per atom. */
  cart: number[];
  /** eV/Å, 3 per atom. */
  forces: number[];
  /** Voigt, eV/Å³; null when not defined. */
  stress: number[] | null;
  /** MD: Å/fs, 3 per atom; null for other tasks and for frames stored before velocities were. */
  velocities: number[] | null;
}

export interface SimulationDetail extends SimulationRecord {
  /** What the run found (sim/job.ts); null until it ends, and when it failed or was cancelled before there was anything to summarise. */
  summary: SimulationSummary | null;
  /** Element of each atom (atomic numbers) and the periodicity: the same in every frame. */
  numbers: number[];
  pbc: [boolean, boolean, boolean];
  /** Per-step series: `step` and each of the task's series keys (see sim/job.ts SERIES), downsampled to at most `maxPoints`. */
  series: { step: number[]; values: Record<string, (number | null)[]> };
  /** The largest force on an atom in any frame written, eV/Å (the force arrows' one scale for the run); null when no frame records one. */
  largestForce: number | null;
}

/** A frame's place and values without its geometry (what a live chart needs). */
export interface SimulationFramePoint {
  index: number;
  step: number;
  time: number | null;
  values: StepValues;
}

/**
 * A file to save: text, or the bytes of a binary one (ASE's `.traj`) as base64; `note`: what the format
 * leaves out of the run (the atoms it held, in an XDATCAR), said beside the download.
 */
export type SimulationExportFile = ({ fileName: string; text: string } | { fileName: string; base64: string }) & { note?: string };

/**
 * A part of a trajectory export (`exportTrajectory`): the file's next bytes as text (extxyz, XDATCAR)
 * or base64 (`.traj`), at most the part's bound (a frame larger than it is a part alone). `patches`:
 * bytes of the parts before to write over, at file position `at` (a `.traj`'s frame count in its
 * header and its offset table, entered as frames are added), in order. The parts one after the other,
 * patched, are the file `export` gives whole, byte for byte.
 */
export type SimulationExportPart = SimulationExportFile & {
  /** Asks for the next part (with the run's id and format). */
  exportId: string;
  patches?: { at: number; base64: string }[];
  /** Frames in this part and the ones before, of `frames`. */
  written: number;
  frames: number;
  /** The last part: the file is whole. */
  done: boolean;
};

/** A trajectory part's bound, file bytes (unless fewer are asked for), and the fewest a call may ask for. */
export const EXPORT_PART_BYTES = 8 * 1024 * 1024;
export const MIN_EXPORT_PART_BYTES = 1024;
/** The largest trajectory `export` gives whole, file bytes. */
export const WHOLE_TRAJECTORY_BYTES = 64 * 1024 * 1024;

/**
 * A running simulation's progress, at most twice a second: the values of every frame written
 * since the previous event (in order), the latest frame in full (for the viewer), how many frames
 * are stored, and the steps done and planned (MD steps, the optimiser's limit, or the volumes).
 */
export interface SimulationFramesEvent {
  simulationId: number;
  points: SimulationFramePoint[];
  latest: SimulationFrameView;
  frames: number;
  steps: number;
  plannedSteps: number;
  /**
   * A band, whose frames are its images written again as it moves (not one per step): the values of the
   * steps since the previous event (the highest image above the start, the largest force on the band).
   */
  bandSteps?: { step: number; values: StepValues }[];
  /**
   * A band: its images as last written, start to end, in full (a band is written whole, never half of
   * two), so that the profile charted and the image shown come from the same write.
   */
  images?: SimulationFrameView[];
}

/** A trajectory export under way (`exportTrajectory`): the UUID its first part gave (36 characters). */
const exportIdSchema = z.string().uuid().max(36);

// the messages say what is wrong after the field's name (the Simulate panel shows them so: "time step must be positive")
const number = z.number({ error: 'must be a number' });
const finite = number.refine(Number.isFinite, 'must be a finite number');
const positive = finite.refine((x) => x > 0, 'must be positive');
const pressure = finite.refine((x) => Math.abs(x) <= MAX_PRESSURE_GPA, `must be ${PRESSURE_RANGE_TEXT}`);
const nonNegative = finite.refine((x) => x >= 0, 'must be zero or positive');
const count = number.int('must be a whole number');
/** A whole number from `min` to `max`. */
const between = (min: number, max: number) => count.min(min, `must be at least ${groupThousands(min)}`).max(max, `must be at most ${groupThousands(max)}`);
const fixed = z.array(count.nonnegative()).max(1_000_000);
const axisConstraints = z
  .array(z.object({ atom: count.nonnegative(), held: z.tuple([z.boolean(), z.boolean(), z.boolean()]), frame: z.enum(['lattice', 'cartesian']) }).strict())
  .max(1_000_000);

export const calculatorSpecSchema: z.ZodType<CalculatorSpec> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('emt') }).strict(),
  z
    .object({
      kind: z.literal('lj'),
      parameters: z
        .object({ epsilon: positive.optional(), sigma: positive.optional(), cutoff: positive.optional(), cutoffMode: z.enum(['shift', 'smooth']).optional(), onset: positive.optional() })
        .strict()
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('morse'),
      parameters: z.object({ epsilon: positive.optional(), r0: positive.optional(), rho0: positive.optional(), onset: positive.optional(), cutoff: positive.optional() }).strict().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('model'), modelId: z.number().int().positive() }).strict(),
]);

export const simulationRequestSchema: z.ZodType<SimulationRequest> = z.discriminatedUnion('task', [
  z
    .object({
      task: z.literal('relax'),
      optimizer: z.enum(['fire', 'lbfgs']),
      fmax: positive,
      maxSteps: between(0, 1_000_000),
      cell: z.boolean(),
      pressure: pressure,
      smax: positive,
      hydrostatic: z.boolean(),
      fixed,
      axisConstraints: axisConstraints.optional(),
      every: between(1, 1_000_000),
      stopWhenExtrapolating: z.boolean().optional(),
      symmetry: z.boolean().optional(),
      minimum: z.enum(['check', 'escape']).optional(),
    })
    .strict(),
  z
    .object({
      task: z.literal('md'),
      ensemble: z.enum(['nve', 'nvt', 'npt']),
      thermostat: z.enum(['langevin', 'nose-hoover', 'berendsen']),
      temperature: nonNegative,
      timestep: positive.refine((x) => x <= 50, 'must be at most 50 fs'),
      steps: between(0, 100_000_000),
      every: between(1, 100_000_000),
      seed: count,
      friction: positive,
      tau: positive,
      barostat: z.enum(['berendsen', 'mtk']).optional(),
      cellMotion: z.enum(['isotropic', 'flexible']).optional(),
      pressure: pressure,
      barostatTau: positive,
      compressibility: positive,
      velocities: z.enum(['maxwell-boltzmann', 'structure']).optional(),
      fixed,
      axisConstraints: axisConstraints.optional(),
      stopWhenExtrapolating: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      task: z.literal('eos'),
      points: between(5, 200),
      range: positive.refine((x) => x < 0.5, 'must be below 0.5'),
      relax: z.boolean(),
      fmax: positive,
    })
    .strict(),
  z
    .object({
      task: z.literal('vibrations'),
      delta: positive.refine((x) => x <= 0.1, 'must be at most 0.1 Å'),
      fixed,
    })
    .strict(),
  z
    .object({
      task: z.literal('elastic'),
      strain: positive.refine((x) => x <= 0.05, 'must be at most 0.05'),
      relax: z.boolean(),
      fmax: positive,
    })
    .strict(),
  z
    .object({
      task: z.literal('phonons'),
      supercell: z.tuple([between(1, 50), between(1, 50), between(1, 50)]).nullable(),
      delta: positive.refine((x) => x <= 0.1, 'must be at most 0.1 Å'),
      mesh: z.tuple([between(1, 200), between(1, 200), between(1, 200)]).nullable(),
      symmetry: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      task: z.literal('neb'),
      endStructureId: z.number().int().positive(),
      images: between(1, 50),
      spring: positive,
      climb: z.boolean(),
      path: z.enum(['linear', 'idpp']),
      optimizer: z.enum(['fire', 'lbfgs']),
      fmax: positive,
      maxSteps: between(0, 1_000_000),
      every: between(1, 1_000_000),
      relaxEnds: z.boolean(),
      fixed,
    })
    .strict(),
]);

const id = z.number().int().positive();

/** What `start` takes: the Simulate panel checks its form against it before sending (src-renderer/lib/simulation.ts `formProblem`). */
export const simulationStartSchema = z
  .object({
    structureId: id,
    calculator: calculatorSpecSchema,
    parameters: simulationRequestSchema,
    name: z.string().max(200, 'must be at most 200 characters').optional(),
  })
  .strict();
/** A wave vector in fractions of the reciprocal lattice. */
const waveVector = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
/** How far a phonon mode's modulation moves the atom moving most, Å. */
const phononAmplitude = z.number().positive().max(2);

export const simulationsService = {
  methods: {
    /** Starts a simulation of a stored structure in a compute worker; progress: onFrames, onStatus. */
    start: method<SimulationRecord>()(simulationStartSchema),
    /**
     * Starts a new band from where band run `id` stands: its images as last written (the band it ended
     * with, or, cut short, the last one written on the way), with its end state, calculator and parameters.
     */
    continueBand: method<SimulationRecord>()(z.object({ id }).strict()),
    list: method<SimulationRecord[]>()(z.object({}).strict()),
    get: method<SimulationDetail>()(z.object({ id, maxPoints: z.number().int().min(10).max(1_000_000).optional() }).strict()),
    /** Frames [from, to) of a run (all when omitted). */
    frames: method<SimulationFrameView[]>()(
      z.object({ id, from: z.number().int().nonnegative().optional(), to: z.number().int().nonnegative().optional() }).strict(),
    ),
    /** Stores frame `index` of a run as a new structure of the library (to simulate, predict or export it further) and returns it. */
    keepFrame: method<StructureRecord>()(z.object({ id, index: z.number().int().nonnegative() }).strict()),
    /**
     * Stores a phonon run's band `band` at the wave vector q as a new structure: the supercell its wave
     * repeats in, displaced along it at phase 0 with the atom moving most `amplitude` Å (a frozen phonon;
     * relaxed, an imaginary mode's leads to the structure below).
     */
    keepPhononMode: method<StructureRecord>()(z.object({ id, band: z.number().int().nonnegative(), q: waveVector, amplitude: phononAmplitude }).strict()),
    cancel: method<SimulationRecord>()(z.object({ id }).strict()),
    delete: method<{ deleted: boolean }>()(z.object({ id }).strict()),
    /**
     * The trajectory (extended XYZ, XDATCAR, ASE's `.traj`) in parts of at most `maxBytes` (8 MiB unless
     * fewer are asked for), whatever the run's length: the first call opens the export and gives its
     * first part, each call with its `exportId` the next, until the part that says `done`. `export` gives
     * the same file whole (one message, up to `WHOLE_TRAJECTORY_BYTES`).
     */
    exportTrajectory: method<SimulationExportPart>()(
      z
        .object({
          id,
          format: z.enum(['extxyz', 'xdatcar', 'traj']),
          exportId: exportIdSchema.optional(),
          maxBytes: z.number().int().min(MIN_EXPORT_PART_BYTES).max(EXPORT_PART_BYTES).optional(),
        })
        .strict(),
    ),
    /** Ends a trajectory export before its last part (the user's Cancel); whether it was under way. */
    cancelExport: method<{ cancelled: boolean }>()(z.object({ exportId: exportIdSchema }).strict()),
    /**
     * The trajectory (extended XYZ with energies, forces and stress; XDATCAR; ASE's binary `.traj`, as
     * base64) or the final structure (CIF, POSCAR, extended XYZ) as a file to save. A trajectory comes
     * whole up to `WHOLE_TRAJECTORY_BYTES` (64 MiB); a longer one is refused, naming `exportTrajectory`,
     * which gives it in parts.
     */
    export: method<SimulationExportFile>()(
      // 'mode': a vibrations run's mode `mode` as ASE's 30-frame animation (extxyz or traj); 'phonon-mode': a phonon
      // run's band `mode` at `q` (amplitude Å) as 30 frames over a period (extxyz, traj) or displaced at phase 0 (cif,
      // poscar); 'force-constants': a phonon run's, as phonopy's FORCE_CONSTANTS (format 'phonopy')
      z
        .object({
          id,
          what: z.enum(['trajectory', 'final', 'mode', 'phonon-mode', 'force-constants']),
          format: z.enum(['extxyz', 'xdatcar', 'traj', 'cif', 'poscar', 'phonopy']),
          mode: z.number().int().min(0).optional(),
          q: waveVector.optional(),
          amplitude: phononAmplitude.optional(),
        })
        .strict(),
    ),
  },
  events: {
    onStatus: event<SimulationRecord>(),
    onFrames: event<SimulationFramesEvent>(),
  },
} as const;
