/**
 * A simulation job as the app and the command line run it: a task (relaxation, molecular dynamics,
 * equation of state, vibrations, elastic constants or phonons) with user-facing parameters (pressures in GPa, times in fs), a calculator
 * named by a spec, and a stream of frames and per-step values. The worker task, the service and
 * the command line all go through `runSimulation`, so they record the same things.
 */
import type { Mat3, Structure } from '../chem/structure';
import { maxForce } from '../chem/frames';
import { cartToFrac, cellVolume, cellWidths } from '../chem/lattice';
import { elementSymbol } from '../chem/elements';
import { Atoms, SimulationInputError, SYMMETRY_AND_HELD, type AtomicConfiguration, type AxisConstraint } from './atoms';
import { pressureOf, type CalculateOptions, type Calculation, type Calculator, type Reach } from './calculator';
import { EmtCalculator, EMT_ELEMENTS } from './emt';
import { EOS_DEFAULTS, EosCancelled, equationOfState, type EosControls } from './eos';
import { ELASTIC_DEFAULTS, ELASTIC_POINTS, ElasticCancelled, elasticConstants, type ElasticResult } from './elastic';
import { barostatProblem, MD_DEFAULTS, runMolecularDynamics, type BarostatName, type Ensemble, type ThermostatName } from './md';
import type { CellMotion } from './thermostats';
import { LennardJonesCalculator, MorseCalculator, type LennardJonesParameters, type MorseParameters } from './pair-potentials';
import { DiffusionLog, type DiffusionVerdict } from './msd';
import { heldStructure } from './constraints';
import { CARTESIAN_CELL } from './filters';
import { atomsAtSamePosition, samePositionText } from './pairs';
import { RELAX_DEFAULTS, relax, type MinimumCheck } from './relax';
import { Symmetry, type SymmetryOperations } from './symmetry';
import type { SpaceGroupChange } from '../chem/spacegroup';
import { fromGPa, toGPa } from './units';
import { linearityNote, type Linearity } from './linearity';
import { VIBRATION_DEFAULTS, vibrations } from './vibrations';
import {
  defaultBandPath,
  defaultMesh,
  defaultSupercell,
  densityOfStates,
  forceConstants,
  frequenciesOver,
  meshPoints,
  PHONON_DEFAULTS,
  samplePath,
  thermalProperties,
  withoutTranslations,
  withVectors,
  commensurateSupercell,
  modeWeightsOver,
  projectedDensityOfStates,
  type ModeWeights,
  modesAt,
  modulatedFrames,
  modulation,
  waveVectorText,
  type ForceConstants,
  type SampledPath,
} from './phonons';
import { bandFit, NEB_DEFAULTS, nudgedElasticBand, type NebPath, type NebStep, type RelaxedEnds } from './neb';
import { TrajectoryDomainWatch } from '../model/potential-domain';
import type { TrainingDomain } from '../model/domain';

/** The built-in calculators by name and parameters. */
export type BuiltinCalculatorSpec = { kind: 'emt' } | { kind: 'lj'; parameters?: LennardJonesParameters } | { kind: 'morse'; parameters?: MorseParameters };

/** A trained interatomic potential kept in the app's model table, by its id (loaded with tfjs in the worker). */
export interface ModelCalculatorSpec {
  kind: 'model';
  modelId: number;
}

/** What a simulation runs with: a built-in calculator or a stored trained potential. */
export type CalculatorSpec = BuiltinCalculatorSpec | ModelCalculatorSpec;

export const BUILTIN_CALCULATORS = ['emt', 'lj', 'morse'] as const;

export function builtinCalculator(spec: BuiltinCalculatorSpec): Calculator {
  switch (spec.kind) {
    case 'emt':
      return new EmtCalculator();
    case 'lj':
      return new LennardJonesCalculator(spec.parameters ?? {});
    case 'morse':
      return new MorseCalculator(spec.parameters ?? {});
  }
}

export interface RelaxParameters {
  task: 'relax';
  optimizer: 'fire' | 'lbfgs';
  /** eV/Å */
  fmax: number;
  maxSteps: number;
  cell: boolean;
  /** Target pressure with `cell`, GPa. */
  pressure: number;
  /** Stress tolerance with `cell`, GPa. */
  smax: number;
  hydrostatic: boolean;
  /** Atom indices (0-based) held fixed. */
  fixed: number[];
  /** Atoms held along some axes only (absent in runs stored before session 22: none). */
  axisConstraints?: AxisConstraint[];
  /** A frame every k steps (the first and the last are always frames). */
  every: number;
  /** A trained potential: stop at the first frame outside its training structures (see `SimulationHooks.domain`). */
  stopWhenExtrapolating?: boolean;
  /**
   * Keep the structure's space group (ASE's `FixSymmetry`, sim/symmetry.ts): its operations, found by
   * the caller at the start, come in `SimulationHooks.symmetry`. Absent: false.
   */
  symmetry?: boolean;
  /**
   * At the end: measure the lowest curvature ('check': a minimum or a saddle point?), and leave a
   * saddle point along its mode ('escape'); sim/curvature.ts. Absent: neither, as ASE.
   */
  minimum?: 'check' | 'escape';
}

export interface MdParameters {
  task: 'md';
  ensemble: Ensemble;
  thermostat: ThermostatName;
  /** K */
  temperature: number;
  /** fs */
  timestep: number;
  steps: number;
  every: number;
  seed: number;
  /** Langevin friction, 1/fs. */
  friction: number;
  /** Berendsen / Nosé–Hoover time constant, fs. */
  tau: number;
  /**
   * NPT: 'berendsen' (absent, as in runs stored before session 27: the same) drives the pressure to its
   * target; 'mtk' (Martyna–Tobias–Klein, with the Nosé–Hoover thermostat) samples the NPT ensemble.
   */
  barostat?: BarostatName;
  /** NPT with MTK: the cell keeps its shape ('isotropic'; absent: the same) or its shape moves too ('flexible'). */
  cellMotion?: CellMotion;
  /** NPT target pressure, GPa. */
  pressure: number;
  /** NPT barostat time constant, fs (MTK: the period of the cell's oscillation). */
  barostatTau: number;
  /** NPT, Berendsen: compressibility, 1/GPa. */
  compressibility: number;
  /**
   * Where the velocities start: 'maxwell-boltzmann' (absent: the same) draws them at `temperature` from
   * `seed`; 'structure' takes the structure's own (its `momenta`: a frame of an earlier run, or an
   * extended XYZ ASE wrote), so that a run continues another.
   */
  velocities?: 'maxwell-boltzmann' | 'structure';
  fixed: number[];
  /** Atoms held along some axes only (absent in runs stored before session 22: none). */
  axisConstraints?: AxisConstraint[];
  /** A trained potential: stop at the first frame outside its training structures (see `SimulationHooks.domain`). */
  stopWhenExtrapolating?: boolean;
}

export interface EosParameters {
  task: 'eos';
  points: number;
  /** Volumes from (1 − range)V to (1 + range)V. */
  range: number;
  /** Relax the atoms at each volume. */
  relax: boolean;
  /** With `relax`, eV/Å. */
  fmax: number;
}

export interface VibrationsParameters {
  task: 'vibrations';
  /** Displacement, Å (vibrations.ts). */
  delta: number;
  /** Atom indices (0-based) held fixed: they do not vibrate. */
  fixed: number[];
}

export interface ElasticParameters {
  task: 'elastic';
  /** The largest strain δ (strains ±δ/2, ±δ; elastic.ts). */
  strain: number;
  /** Relax the atoms at each strained cell. */
  relax: boolean;
  /** With `relax`, eV/Å. */
  fmax: number;
}

export interface PhononsParameters {
  task: 'phonons';
  /** Diagonal supercell; null: the smallest whose widths are all at least 10 Å (phonons.ts). */
  supercell: [number, number, number] | null;
  /** Displacement, Å. */
  delta: number;
  /** The Γ-centred mesh of the density of states and the thermal properties; null: phonopy's rule with a length of 40 Å. */
  mesh: [number, number, number] | null;
  /**
   * Displace only the atoms and directions the space group (found by the caller at phonopy's tolerance,
   * `SimulationHooks.symmetry`) does not give (phonon-symmetry.ts), as phonopy does. Absent (runs stored
   * before session 33): false.
   */
  symmetry?: boolean;
}

export interface NebParameters {
  task: 'neb';
  /** The end state: Cartesian positions of the structure's atoms, Å, 3 per atom, in the same cell (`bandEnd`). */
  end: number[];
  /** Where the end state came from (a stored structure's or a file's name). */
  endName: string;
  /** Images between the two ends. */
  images: number;
  /** Spring constant along the band, eV/Å². */
  spring: number;
  /** The highest image climbs to the saddle point. */
  climb: boolean;
  /**
   * Where the images start: the straight line between the ends, that line relaxed on the image-dependent
   * pair potential (neb.ts), or `startImages` ('given').
   */
  path: NebPath;
  /** With `path: 'given'`: the inner images' Cartesian positions, Å, 3 per atom each; as many as `images`. */
  startImages?: number[][];
  optimizer: 'fire' | 'lbfgs';
  fmax: number;
  maxSteps: number;
  /** The band is written as the run's frames every this many steps (replacing the band before) and when it stops. */
  every: number;
  /** Relax both ends first (the band's optimiser, fmax and step limit), so that the barrier is measured between minima. */
  relaxEnds: boolean;
  /** Atom indices (0-based) held in place, at the same positions at both ends. */
  fixed: number[];
}

export type SimulationParameters = RelaxParameters | MdParameters | EosParameters | VibrationsParameters | ElasticParameters | PhononsParameters | NebParameters;
export type SimulationTask = SimulationParameters['task'];

/** The parameters a new run starts from (the Simulate panel's and the command line's defaults). */
export const SIMULATION_DEFAULTS: { relax: RelaxParameters; md: MdParameters; eos: EosParameters; vibrations: VibrationsParameters; elastic: ElasticParameters; phonons: PhononsParameters; neb: NebParameters } = {
  relax: {
    task: 'relax',
    optimizer: RELAX_DEFAULTS.optimizer,
    fmax: RELAX_DEFAULTS.fmax,
    maxSteps: RELAX_DEFAULTS.maxSteps,
    cell: false,
    pressure: 0,
    smax: toGPa(RELAX_DEFAULTS.smax),
    hydrostatic: false,
    symmetry: false,
    fixed: [],
    axisConstraints: [],
    every: 1,
    stopWhenExtrapolating: false,
  },
  md: {
    task: 'md',
    ensemble: 'nvt',
    thermostat: MD_DEFAULTS.thermostat,
    temperature: 300,
    timestep: 1,
    steps: 1000,
    every: MD_DEFAULTS.every,
    seed: MD_DEFAULTS.seed,
    friction: 0.01,
    tau: 100,
    barostat: 'berendsen',
    cellMotion: 'isotropic',
    pressure: 0,
    barostatTau: 1000,
    compressibility: 0.01,
    velocities: 'maxwell-boltzmann',
    fixed: [],
    axisConstraints: [],
    stopWhenExtrapolating: false,
  },
  eos: { task: 'eos', points: EOS_DEFAULTS.points, range: EOS_DEFAULTS.range, relax: false, fmax: 0.01 },
  vibrations: { task: 'vibrations', delta: VIBRATION_DEFAULTS.delta, fixed: [] },
  elastic: { task: 'elastic', strain: ELASTIC_DEFAULTS.strain, relax: true, fmax: ELASTIC_DEFAULTS.fmax },
  phonons: { task: 'phonons', supercell: null, delta: PHONON_DEFAULTS.delta, mesh: null, symmetry: true },
  neb: { task: 'neb', end: [], endName: '', images: NEB_DEFAULTS.images, spring: NEB_DEFAULTS.spring, climb: NEB_DEFAULTS.climb, path: NEB_DEFAULTS.path, optimizer: NEB_DEFAULTS.optimizer, fmax: NEB_DEFAULTS.fmax, maxSteps: NEB_DEFAULTS.maxSteps, every: 10, relaxEnds: NEB_DEFAULTS.relaxEnds, fixed: [] },
};

/**
 * How many steps a run plans, for its progress: MD its steps, a relaxation at most its steps, an
 * equation of state its volumes, vibrations their force calls (6 per vibrating atom), phonons their
 * force calls (6 per atom of the cell) and as many steps again for the wave vectors, a band at most its steps.
 */
export function plannedSteps(params: SimulationParameters, nAtoms: number): number {
  switch (params.task) {
    case 'md':
      return params.steps;
    case 'relax':
      return params.maxSteps;
    case 'eos':
      return params.points;
    case 'vibrations':
      return 6 * (nAtoms - new Set(params.fixed).size);
    case 'elastic':
      return ELASTIC_POINTS;
    case 'phonons':
      // the force calls, then as many steps again for the wave vectors (their number depends on the lattice)
      return 12 * nAtoms;
    case 'neb':
      return params.maxSteps;
  }
}

/** The quantities recorded per step (and per frame), by name; null where not defined. */
export type StepValues = Record<string, number | null>;

/**
 * Series per task, in order, with units: what is logged per step and charted per frame.
 * relax: energy, fmax, stress residual; md: energies, temperature, pressure; eos: volume, energy;
 * neb: the highest image's energy above the start and the largest force on the band.
 * An ensemble of potentials adds its force spread (`Calculation.forceSpread`) to relax and md; md
 * also logs the MSD per element (`msd:Li`, …) when there is more than one.
 */
export const SERIES: Record<SimulationTask, readonly { key: string; label: string; unit: string }[]> = {
  relax: [
    { key: 'energy', label: 'energy', unit: 'eV' },
    { key: 'fmax', label: 'largest force', unit: 'eV/Å' },
    { key: 'smax', label: 'stress residual', unit: 'GPa' },
    { key: 'volume', label: 'volume', unit: 'Å³' },
    { key: 'forceSpread', label: 'ensemble force spread', unit: 'eV/Å' },
  ],
  md: [
    { key: 'potential', label: 'potential energy', unit: 'eV' },
    { key: 'kinetic', label: 'kinetic energy', unit: 'eV' },
    { key: 'total', label: 'total energy', unit: 'eV' },
    { key: 'temperature', label: 'temperature', unit: 'K' },
    { key: 'pressure', label: 'pressure', unit: 'GPa' },
    { key: 'volume', label: 'volume', unit: 'Å³' },
    { key: 'msd', label: 'mean squared displacement', unit: 'Å²' },
    { key: 'forceSpread', label: 'ensemble force spread', unit: 'eV/Å' },
  ],
  eos: [
    { key: 'volume', label: 'volume', unit: 'Å³' },
    { key: 'energy', label: 'energy', unit: 'eV' },
  ],
  vibrations: [],
  phonons: [],
  neb: [
    { key: 'barrier', label: 'highest image above the start', unit: 'eV' },
    { key: 'fmax', label: 'largest force on the band', unit: 'eV/Å' },
  ],
  elastic: [
    { key: 'strain', label: 'strain', unit: '' },
    { key: 'stress', label: 'stress of the strained component', unit: 'GPa' },
    { key: 'energy', label: 'energy', unit: 'eV' },
  ],
};

export interface SimulationFrame {
  /** 0, 1, 2, … in the order written. */
  index: number;
  /** Optimiser or MD step (EOS: the volume's index). */
  step: number;
  /** fs since the start (MD), else null. */
  time: number | null;
  /** Potential energy, eV. */
  energy: number;
  values: StepValues;
  lattice: Mat3 | null;
  cart: Float64Array;
  forces: Float64Array;
  /** Voigt, eV/Å³ (the potential's), null when not defined. */
  stress: Float64Array | null;
  /** MD: the atoms' velocities, Å/fs, 3 per atom; null for a relaxation or an equation of state. */
  velocities: Float64Array | null;
}

export type SimulationStatus = 'finished' | 'failed' | 'cancelled';

export type SimulationSummary =
  | {
      task: 'relax';
      converged: boolean;
      steps: number;
      energy: number;
      fmax: number;
      /** GPa, with a cell relaxation. */
      smax: number | null;
      /** GPa, when the structure is periodic in 3D. */
      pressure: number | null;
      volume: number | null;
      /**
       * The space group at the start and at the end (at 0.01 Å; found in the core, which adds it):
       * whether the relaxation kept the crystal's symmetry. Null for a structure that is not a 3D
       * crystal; absent in runs recorded before session 23.
       */
      spaceGroups?: SpaceGroupChange | null;
      /** With the symmetry kept: how far the start moved onto the group's ideal cell and positions (`Symmetry.refine`), Å. */
      refinedBy?: number;
      /** With `minimum`: the lowest curvature at the end, and the saddle points left on the way (null when the run did not converge). */
      minimum?: MinimumCheck | null;
    }
  | {
      task: 'md';
      steps: number;
      /** eV/atom (null for NPT). */
      drift: number | null;
      /** Mean temperature over the second half, K. */
      meanTemperature: number;
      /** Mean pressure over the second half, GPa; null without a 3D cell. */
      meanPressure: number | null;
      /** Diffusion coefficient of the mobile atoms from their MSD over the second half, cm²/s (sim/msd.ts); absent in runs recorded before it was. */
      diffusion?: number | null;
      /** The same per element, when there is more than one. */
      diffusionByElement?: Record<string, number | null> | null;
      /** What `diffusion` is: diffusion, or why not (sim/msd.ts `DiffusionVerdict`); absent in runs recorded before it was judged. */
      diffusionVerdict?: DiffusionVerdict | null;
      diffusionVerdictByElement?: Record<string, DiffusionVerdict | null> | null;
    }
  | {
      task: 'vibrations';
      /** The atoms that vibrated. */
      atoms: number[];
      /** ħω per mode, meV, ascending; imaginary modes negative (vibrations.ts). */
      energies: number[];
      /** The same, cm⁻¹. */
      frequencies: number[];
      /** ½Σħω over the real modes, eV. */
      zpe: number;
      /** Per mode, the displacements of all atoms (3 per atom: eigenvector / √m); null when too many to store (`storedSummary`). */
      modes: number[][] | null;
      /** The first vibrating atom's on-site force constant along x from ±δ and ±δ/2 (linearity.ts); absent from runs stored before session 29. */
      linearity?: Linearity;
    }
  | {
      task: 'elastic';
      /** The 6×6 elastic constants (Voigt: xx, yy, zz, yz, xz, xy), GPa, symmetrised (elastic.ts). */
      cGPa: number[][];
      /** Bulk and shear moduli, Voigt, Reuss and Hill averages, GPa (Reuss and Hill null when C is singular). */
      bulkModulusGPa: { voigt: number; reuss: number | null; hill: number | null };
      shearModulusGPa: { voigt: number; reuss: number | null; hill: number | null };
      /** Young's modulus and Poisson's ratio from the Hill averages. */
      youngGPa: number | null;
      poisson: number | null;
      /** Eigenvalues of C, ascending, GPa; all positive: mechanically stable (Born). */
      eigenvaluesGPa: number[];
      stable: boolean;
      /** The start's stress (Voigt, GPa): near zero when it was relaxed with its cell. */
      residualStressGPa: number[];
      /** The largest force on an atom of the start, eV/Å: near zero when its atoms were relaxed (absent from runs stored before it was kept). */
      startFmax?: number;
      /** The largest |C_ij − C_ji| / 2 before symmetrising, GPa. */
      asymmetryGPa: number;
      /** Strained cells whose relaxation did not converge. */
      unconverged: number;
    }
  | {
      task: 'phonons';
      supercell: [number, number, number];
      mesh: [number, number, number];
      /** The lattice whose standard band path was drawn (phonons.ts `defaultBandPath`), null for the general path Γ–X|Γ–Y|Γ–Z. */
      lattice: string | null;
      /** Frequencies along the path, THz, per sampled point (3 per atom, ascending; imaginary ones negative); distances in 1/Å (no 2π). */
      bands: { distances: number[]; frequencies: number[][]; ticks: { distance: number; label: string }[] };
      /**
       * The density of states over the mesh (Gaussian, σ 0.1 THz): states per THz per cell at each frequency (THz);
       * with two elements or more, each element's share (phonopy's projected DOS, summed over its atoms), which sum to the total.
       */
      dos: { frequencies: number[]; states: number[]; elements?: { element: string; states: number[] }[] };
      /** Harmonic thermal properties from the mesh, per mole of cells: temperature (K), free energy (kJ/mol, zero-point energy included), entropy and heat capacity (J/K/mol). */
      thermal: { temperature: number[]; freeEnergy: number[]; entropy: number[]; heatCapacity: number[] };
      /** The lowest frequency on the path and the mesh (the translations at Γ aside) and the highest, THz. */
      lowest: number;
      highest: number;
      /** Atom 0's on-site force constant along x from ±δ and from ±δ/2, eV/Å²: whether the finite differences have converged (linearity.ts). */
      linearity: Linearity;
      /** The space group's operations used (1: none; those that fit the supercell) and the atoms of the unit cell displaced; absent in runs stored before session 33. */
      symmetry?: { operations: number; displaced: number };
      /**
       * The supercell's widths, Å (between opposite faces), and the calculator's reach (calculator.ts `Reach`;
       * null when it says none): `phononNotes` warns when the narrowest width is less. Absent in runs stored
       * before session 42.
       */
      supercellWidths?: [number, number, number];
      reach?: Reach | null;
      /**
       * The force constants Φ(i, k)_αβ, eV/Å² (phonons.ts `ForceConstants.values`' order), measured on the run's
       * final structure: the modes at any wave vector come from them (`storedForceConstants`). Null when too many
       * to store (`storedSummary`), and in runs stored before they were kept.
       */
      forceConstants?: number[] | null;
    }
  | {
      task: 'neb';
      converged: boolean;
      steps: number;
      /** The largest force on an atom of an inner image at the end, eV/Å. */
      fmax: number;
      climb: boolean;
      /** Every image's energy, eV, the start (0) to the end; the frames are these images. */
      energies: number[];
      /** The path's length from the start to each image, Å (minimum image, all atoms). */
      distances: number[];
      /** The highest inner image (the saddle point with `climb`). */
      highest: number;
      /** The highest image above the start and above the end, and the end above the start, eV. */
      barrier: number;
      /**
       * The energy along the band between the images (from the start's; neb.ts `bandFit`, ASE's NEBTools
       * curve) and its highest point, eV: above `barrier` when no image sits at the saddle point.
       */
      fit: { distances: number[]; energies: number[] };
      fittedBarrier: number;
      reverseBarrier: number;
      reactionEnergy: number;
      /** The largest force on an atom at the start and at the end, eV/Å: a barrier is measured from minima. */
      endForces: [number, number];
      /** Where the images started: the straight line, or IDPP's path ('linear' when IDPP was asked for and did not converge). */
      path: NebPath;
      /** The ends' relaxation before the band (steps and convergence, the start's then the end's); null when taken as given (and in runs stored before it). */
      relaxedEnds?: RelaxedEnds | null;
    }
  | {
      task: 'eos';
      /** [V (Å³), E (eV)] per volume. */
      points: [number, number][];
      v0: number;
      e0: number;
      b0GPa: number;
      b0prime: number;
      /** Fit residual, eV. */
      rms: number;
      unconverged: number[];
    };

export interface SimulationOutcome {
  status: SimulationStatus;
  /** A sentence saying why the run stopped. */
  message: string;
  /** Null when the run failed or was cancelled before there was anything to summarise. */
  summary: SimulationSummary | null;
  /** The last state (relax, md) or the input scaled to V₀ (eos); null when there is none. */
  final: Structure | null;
  /** With `stopWhenExtrapolating`: the step of the frame outside the potential's training structures where the run stopped. */
  stoppedAt?: number;
}

export interface SimulationHooks {
  onFrame?: (frame: SimulationFrame) => void | Promise<void>;
  /** Every step's values (MD: every time step; relax: every optimiser step; eos: every volume). */
  onStep?: (step: number, values: StepValues) => void | Promise<void>;
  /**
   * Work between the run's recorded steps, said in a few words (a band relaxing its ends before its own
   * steps): a caller shows it as progress, and a worker reads its messages (a cancel) there.
   */
  onWork?: (what: string) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
  /** What an equation of state's advice calls the controls of where the run is made (eos.ts `EOS_CONTROLS`; default the command line's). */
  eosControls?: EosControls;
  /** The space group's operations on the structure, found by the caller at `symmetryTolerance`: a relaxation that keeps its symmetry (`RelaxParameters.symmetry`), phonons that use it. */
  symmetry?: SymmetryOperations;
  /**
   * A trained potential's watch over its training structures: every frame is shown to it before
   * `onFrame`. With `stopWhenExtrapolating` (relax, md), the first frame it flags ends the run: status
   * 'finished', `stoppedAt` its step, the message says why.
   */
  domain?: TrajectoryDomainWatch;
}

/**
 * A trained potential's watch over the frames of a run of `task` (SimulationHooks.domain): an
 * equation of state's warnings name every volume outside the training structures, the other runs'
 * the first step that left them.
 */
export function trajectoryDomainWatch(domain: TrainingDomain | null, atoms: ConstructorParameters<typeof TrajectoryDomainWatch>[1], task: SimulationParameters['task']): TrajectoryDomainWatch {
  return new TrajectoryDomainWatch(domain, atoms, task === 'eos' ? 'volume' : 'step');
}

/** What a run holds: its fixed atoms and atoms held along some axes (an equation of state: none; vibrations: the atoms that do not vibrate; a band: atoms held at both ends). */
export function constraintsOf(params: SimulationParameters): { fixed: number[]; axisConstraints: AxisConstraint[] } {
  if (params.task === 'eos' || params.task === 'elastic' || params.task === 'phonons') return { fixed: [], axisConstraints: [] };
  if (params.task === 'vibrations' || params.task === 'neb') return { fixed: params.fixed, axisConstraints: [] };
  return { fixed: params.fixed, axisConstraints: params.axisConstraints ?? [] };
}

/** The most numbers of modes or force constants a stored summary keeps (some 4 MB). */
const STORED_NUMBERS = 200_000;

/**
 * What the app stores of a run's summary: a vibrations run's modes, and a phonon run's force constants,
 * only up to 200,000 numbers (beyond that the energies and frequencies alone; the command line has them all).
 */
export function storedSummary(summary: SimulationSummary | null): SimulationSummary | null {
  if (summary?.task === 'vibrations' && summary.modes) {
    const numbers = summary.modes.length * (summary.modes[0]?.length ?? 0);
    return numbers <= STORED_NUMBERS ? summary : { ...summary, modes: null };
  }
  if (summary?.task === 'phonons' && summary.forceConstants) return summary.forceConstants.length <= STORED_NUMBERS ? summary : { ...summary, forceConstants: null };
  return summary;
}

/** A phonon run's force constants on the cell they were measured on (its final structure, or its one frame), or null when the run did not keep them. */
export function storedForceConstants(cell: { lattice: Mat3 | null; numbers: ArrayLike<number>; cart: ArrayLike<number> }, summary: Extract<SimulationSummary, { task: 'phonons' }>): ForceConstants | null {
  if (!summary.forceConstants || !cell.lattice) return null;
  const atoms = new Atoms({ numbers: Int32Array.from(cell.numbers), cart: Float64Array.from(cell.cart), lattice: cell.lattice, pbc: [true, true, true] });
  return withVectors({ lattice: cell.lattice, numbers: atoms.numbers, masses: atoms.masses, frac: cartToFrac(atoms.cart, cell.lattice), supercell: summary.supercell, values: Float64Array.from(summary.forceConstants) });
}

/** Why band `band` at q of a cell of `atoms` atoms cannot be written (no such band, or a wave that repeats in no supercell of up to 16 cells along each axis), or null. */
export function phononModeProblem(atoms: number, q: readonly number[], band: number): string | null {
  const bands = 3 * atoms;
  if (!(Number.isInteger(band) && band >= 0 && band < bands)) return `band ${band}: ${atoms} atom(s) have bands 0 to ${bands - 1}`;
  if (!commensurateSupercell(q)) return `q = ${waveVectorText(q)} repeats in no supercell of up to 16 cells along each axis: give fractions with small denominators (like 1/3)`;
  return null;
}

/** A phonon mode written out: its frequency (THz), the supercell its wave repeats in, and the structures. */
export interface PhononModeStructures {
  frequency: number;
  supercell: [number, number, number];
  structures: Structure[];
}

/**
 * Band `band` (0-based, ascending) at the wave vector q in the smallest supercell its wave repeats in
 * (phonons.ts `modulation`, the atom moving most `amplitude` Å): `count` frames over one period, or
 * with `count` 1 the supercell displaced along it at phase 0 (a frozen phonon: relaxed, an imaginary
 * mode's leads to the structure below). Named `name band K at q = (…)`.
 */
export function phononModeStructures(fc: ForceConstants, q: readonly number[], band: number, options: { amplitude?: number; count?: number; name: string }): PhononModeStructures {
  const problem = phononModeProblem(fc.numbers.length, q, band);
  if (problem) throw new SimulationInputError(problem);
  const supercell = commensurateSupercell(q)!;
  const mode = modesAt(fc, q)[band];
  const m = modulation(fc, q, mode, supercell, options.amplitude);
  const name = `${options.name} band ${band} at q = ${waveVectorText(q)}`;
  const frames = modulatedFrames(m, options.count ?? 30);
  const structures = frames.map((cart, k) => new Atoms({ numbers: m.numbers, cart, lattice: m.lattice, pbc: [true, true, true] }).toStructure(frames.length === 1 ? name : `${name} frame ${k}`));
  return { frequency: mode.frequency, supercell, structures };
}

/** An elastic-constants result as a run's summary: GPa, and null for the moduli a singular C has not. */
function elasticSummary(r: ElasticResult): Extract<SimulationSummary, { task: 'elastic' }> {
  const gpa = (x: number) => (Number.isFinite(x) ? toGPa(x) : null);
  const m = r.moduli;
  return {
    task: 'elastic',
    cGPa: r.c.map((row) => row.map(toGPa)),
    bulkModulusGPa: { voigt: toGPa(m.kVoigt), reuss: gpa(m.kReuss), hill: gpa(m.kHill) },
    shearModulusGPa: { voigt: toGPa(m.gVoigt), reuss: gpa(m.gReuss), hill: gpa(m.gHill) },
    youngGPa: gpa(m.young),
    poisson: Number.isFinite(m.poisson) ? m.poisson : null,
    eigenvaluesGPa: r.eigenvalues.map(toGPa),
    stable: r.stable,
    residualStressGPa: r.residualStress.map(toGPa),
    startFmax: r.startFmax,
    asymmetryGPa: toGPa(r.asymmetry),
    unconverged: r.unconverged,
  };
}

/** An MD run's energy drift as the command line and the view say it: eV/atom, or why there is none. */
export function driftText(drift: number | null, digits: number): string {
  return drift === null ? "— (Berendsen's barostat)" : `${drift.toExponential(digits)} eV/atom`;
}

/**
 * An NVE run whose total energy drifted by more than this (|drift|, eV/atom) is said to be wrong: 100× the
 * 1e-4 eV/atom the product's own NVE runs are tested to keep (a 108-atom Cu run drifts ~6e-6).
 */
export const NVE_DRIFT_LIMIT = 0.01;

/**
 * What may be wrong with an MD run: an NVE run whose energy drifted more than `NVE_DRIFT_LIMIT`
 * (velocity Verlet with too long a time step, or atoms far closer than any bond, blows the energy up
 * without an atom moving 1 Å in a step, which would fail the run). The command line's warnings and the
 * Simulate view say it.
 */
export function mdNotes(s: Extract<SimulationSummary, { task: 'md' }>, ensemble: Ensemble): string[] {
  if (ensemble !== 'nve' || s.drift === null || !(Math.abs(s.drift) > NVE_DRIFT_LIMIT)) return [];
  return [
    `the total energy of this NVE run drifted by ${s.drift.toExponential(2)} eV/atom, more than ${NVE_DRIFT_LIMIT} eV/atom: it did not conserve energy, so its trajectory and temperatures are not the dynamics of the structure. The time step is too long (lower it), or atoms are too close (check the structure's shortest distances)`,
  ];
}

/** A frequency below this (THz) is an imaginary mode worth saying so: rounding leaves the translations at Γ within ±1e-3. */
export const IMAGINARY_THZ = -0.01;

/** A phonon run's result in a line: the highest frequency, imaginary modes, the free energy at 300 K. */
export function phononsText(s: Extract<SimulationSummary, { task: 'phonons' }>): string {
  const imaginary = s.lowest < IMAGINARY_THZ ? `imaginary modes down to ${(-s.lowest).toFixed(2)}i THz (the structure is not at a minimum, or the supercell is too small)` : 'no imaginary modes';
  const at300 = s.thermal.temperature.indexOf(300);
  const path = s.lattice ? '' : '; the cell is none of the standard cells whose band path is known, so the bands run Γ–X|Γ–Y|Γ–Z (derive the standard primitive cell for its lattice’s path)';
  const linear = linearityNote(s.linearity, 0, 'frequencies');
  return `highest ${s.highest.toFixed(2)} THz; ${imaginary}; free energy at 300 K ${s.thermal.freeEnergy[at300].toFixed(3)} kJ/mol${path}${linear}`;
}

/** Phonon bands and mesh frequencies as a run's summary: the density of states and the thermal properties (0 to 1000 K in steps of 10) from the mesh. */
function phononSummary(
  b: SampledPath,
  onPath: Float64Array[],
  onMesh: Float64Array[],
  supercell: [number, number, number],
  mesh: [number, number, number],
  lattice: string | null,
  projected: { weights: ModeWeights[]; elements: { element: string; atoms: number[] }[] } | null,
): Omit<Extract<SimulationSummary, { task: 'phonons' }>, 'linearity'> {
  // the translations at Γ (the mesh's first point; on the path, where q = 0) are zero up to rounding
  const physical = (f: Float64Array, atGamma: boolean) => (atGamma ? withoutTranslations(f) : Array.from(f));
  const all = [...onPath.flatMap((f, k) => physical(f, b.qpoints[k].every((x) => x === 0))), ...onMesh.flatMap((f, k) => physical(f, k === 0))];
  const lowest = all.reduce((m, x) => Math.min(m, x), Infinity);
  const highest = all.reduce((m, x) => Math.max(m, x), -Infinity);
  const sigma = PHONON_DEFAULTS.sigma;
  const from = Math.min(0, lowest) - 5 * sigma;
  const to = highest + 5 * sigma;
  const at = Array.from({ length: 301 }, (_, k) => from + ((to - from) * k) / 300);
  const temperature = Array.from({ length: PHONON_DEFAULTS.maxTemperature / PHONON_DEFAULTS.temperatureStep + 1 }, (_, k) => k * PHONON_DEFAULTS.temperatureStep);
  const t = thermalProperties(onMesh, temperature);
  return {
    task: 'phonons',
    supercell,
    mesh,
    lattice,
    bands: { distances: b.distances, frequencies: onPath.map((f) => Array.from(f)), ticks: b.ticks },
    dos: {
      frequencies: at,
      states: densityOfStates(onMesh, sigma, at),
      ...(projected
        ? {
            elements: projectedDensityOfStates(
              projected.weights,
              projected.elements.map((e) => e.atoms),
              sigma,
              at,
            ).map((states, k) => ({ element: projected.elements[k].element, states })),
          }
        : {}),
    },
    thermal: { temperature, freeEnergy: t.map((p) => p.freeEnergy), entropy: t.map((p) => p.entropy), heatCapacity: t.map((p) => p.heatCapacity) },
    lowest,
    highest,
  };
}

/** A modulus or elastic constant in GPa to 0.1 (a rounding-noise zero as 0.0, not −0.0); '—' for none. */
export function gpaText(x: number | null): string {
  return x === null || !Number.isFinite(x) ? '—' : (Math.abs(x) < 0.05 ? 0 : x).toFixed(1);
}

/** A band's result in a line: its barrier, both ways, and where. */
export function nebText(s: Extract<SimulationSummary, { task: 'neb' }>): string {
  const eV = (x: number) => `${x.toFixed(3)} eV`;
  // the curve's highest point, when it is meaningfully above the highest image (no image at the saddle point)
  const fitted = s.fittedBarrier - s.barrier > 5e-4 ? `, ${eV(s.fittedBarrier)} on the curve through the images` : '';
  return `barrier ${eV(s.barrier)} (image ${s.highest} of ${s.energies.length - 2}${s.climb ? ', climbing' : ''}${fitted}), reverse ${eV(s.reverseBarrier)}, reaction energy ${eV(s.reactionEnergy)}`;
}

/** What to know before trusting a band's barrier: ends that are not minima, and a highest image that did not climb. */
export function nebNotes(s: Extract<SimulationSummary, { task: 'neb' }>, fmax: number): string[] {
  const notes = (['start', 'end'] as const).flatMap((w, k) =>
    s.endForces[k] > fmax ? [`the ${w} is not relaxed (largest force ${s.endForces[k].toFixed(3)} eV/Å, above fmax ${fmax}): relax it first, or the barrier is measured from a point that is not a minimum`] : [],
  );
  if (!s.climb) notes.push('no image climbed: the barrier is the highest image, at most the saddle point');
  return notes;
}

/** Born's verdict on an elastic-constants result, as the run's message, the command line and the view say it. */
export function stabilityText(s: Extract<SimulationSummary, { task: 'elastic' }>): string {
  return s.stable ? 'mechanically stable' : `mechanically unstable (lowest eigenvalue of C ${gpaText(s.eigenvaluesGPa[0])} GPa)`;
}

/**
 * What may be wrong with an elastic-constants result: strained cells whose atoms did not relax, and a
 * start that is not a relaxed crystal: atoms under force (above 0.05 eV/Å) or a cell under stress
 * (above 0.1 GPa), a relaxation's default tolerances. Atoms out of place also stress the cell: that
 * stress is not the relaxed crystal's, so the note names the forces first.
 */
export function elasticNotes(s: Extract<SimulationSummary, { task: 'elastic' }>): string[] {
  const residual = Math.max(...s.residualStressGPa.map(Math.abs));
  const stress = residual > toGPa(RELAX_DEFAULTS.smax) ? `under stress (up to ${residual.toFixed(2)} GPa)` : '';
  const forces = s.startFmax !== undefined && s.startFmax > RELAX_DEFAULTS.fmax ? `its atoms are not relaxed (largest force ${s.startFmax.toFixed(3)} eV/Å)` : '';
  return [
    s.unconverged ? `the relaxation did not converge at ${s.unconverged} strained cell(s)` : '',
    forces ? `the start is not at rest: ${forces}${stress ? ` and it is ${stress}` : ''}: relax it (with its cell) first` : stress ? `the start is ${stress}: relax it with its cell first` : '',
  ].filter(Boolean);
}

/**
 * What may be wrong with a phonon result: a supercell narrower than the calculator's reach. A displaced
 * atom then moves the forces on its own periodic images, so the force constants wrap around the
 * supercell: the frequencies hold only at the wave vectors the supercell repeats. (Exact force constants need more: twice the reach of the
 * force constants themselves; this says only what is wrong for certain.) Phonopy, which does not know
 * the calculator, says nothing.
 */
export function phononNotes(s: Extract<SimulationSummary, { task: 'phonons' }>): string[] {
  const { supercellWidths: widths, reach } = s;
  if (!widths || !reach) return [];
  const narrowest = Math.min(...widths);
  // a width equal to the reach to rounding: the images are at the reach, where no pair counts
  if (narrowest >= reach.distance - 1e-6) return [];
  const wide = widths.map((w, k) => Math.max(s.supercell[k], Math.ceil((reach.distance * s.supercell[k]) / w - 1e-9)));
  return [
    `the ${s.supercell.join('×')} supercell is ${narrowest.toFixed(2)} Å wide at its narrowest (between opposite faces), less than the potential's reach of ${reach.distance.toFixed(2)} Å (${reach.what}): ` +
      `a displaced atom moves the forces on its own periodic images, so the force constants wrap around the supercell: the frequencies hold only at the wave vectors it repeats (Γ for 1×1×1), the bands and density of states between them are wrong; a ${wide.join('×')} supercell is at least that wide`,
  ];
}

/** How a run's atoms start: what they hold and, for MD from the structure's own velocities, those. */
function startOf(params: SimulationParameters): { fixed: number[]; axisConstraints: AxisConstraint[]; velocities: boolean } {
  return { ...constraintsOf(params), velocities: params.task === 'md' && params.velocities === 'structure' };
}

/** Whether the run keeps the structure's symmetry (a relaxation asked to). */
export function keepsSymmetry(params: SimulationParameters): boolean {
  return params.task === 'relax' && params.symmetry === true;
}

/**
 * The tolerance (Å) at which the run needs the space group's operations on its structure, which the caller
 * finds (`SimulationHooks.symmetry`), or null when it needs none: a relaxation keeping its symmetry at spglib's
 * 0.01 Å, phonons using it at phonopy's 1e-5 Å (only an ideal structure's symmetry maps its forces).
 */
export function symmetryTolerance(params: SimulationParameters): number | null {
  if (keepsSymmetry(params)) return 0.01;
  if (params.task === 'phonons' && params.symmetry === true) return PHONON_DEFAULTS.symprec;
  return null;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

/**
 * Whether `structure` can be simulated with this calculator (null: one that checks its own
 * elements, e.g. a trained potential) and these parameters: an ordered
 * structure with no two atoms at the same position, elements the calculator describes, a 3D-periodic cell where the task needs one
 * (cell relaxation, NPT, equation of state), fixed atoms that exist. Throws `SimulationInputError`
 * with a sentence naming the problem; returns the atoms otherwise.
 */
export function checkSimulationInput(structure: Structure, calculator: CalculatorSpec | null, params: SimulationParameters): Atoms {
  const atoms = Atoms.fromStructure(structure, startOf(params));
  // named before anything else (a symmetry search on such a structure fails for it, and says something else)
  const same = atomsAtSamePosition(atoms);
  if (same) throw new SimulationInputError(samePositionText(same));
  if (calculator?.kind === 'emt') {
    const missing = [...new Set(Array.from(atoms.numbers, (z) => elementSymbol(z)))].filter((sym) => !EMT_ELEMENTS.includes(sym));
    if (missing.length) throw new SimulationInputError(`EMT has no parameters for ${missing.join(', ')}; it describes ${EMT_ELEMENTS.join(', ')}`);
  }
  const needsCell = params.task === 'eos' ? 'an equation of state' : params.task === 'elastic' ? 'elastic constants' : params.task === 'phonons' ? 'phonons' : params.task === 'relax' && params.cell ? 'a cell relaxation' : params.task === 'md' && params.ensemble === 'npt' ? 'NPT molecular dynamics' : null;
  if (needsCell && !atoms.bulk) throw new SimulationInputError(`${needsCell} needs a structure periodic in all three directions`);
  if (params.task === 'relax' && params.cell && atoms.axisConstraints.some((c) => c.frame === 'cartesian')) throw new SimulationInputError(CARTESIAN_CELL);
  if (params.task === 'md' && params.ensemble === 'npt' && atoms.constrained) throw new SimulationInputError('NPT molecular dynamics cannot hold atoms (the barostat moves every atom with the cell)');
  const barostat = params.task === 'md' ? barostatProblem(params) : null;
  if (barostat) throw new SimulationInputError(barostat);
  if (params.task === 'md' && atoms.freedom <= 0) {
    throw new SimulationInputError(
      atoms.constrained
        ? 'every atom is held: nothing can move, and molecular dynamics has no temperature to set or hold'
        : 'a single atom has no degrees of freedom once the total momentum is held at zero (3N − 3 = 0): it would run at 0 K whatever the temperature; simulate a cell of two atoms or more (structure supercell)',
    );
  }
  if (params.task === 'phonons' && params.supercell && atoms.length * params.supercell[0] * params.supercell[1] * params.supercell[2] === 1) {
    throw new SimulationInputError(
      'a supercell of one atom: displaced, the atom moves with all its images and feels no force, so every frequency would be 0 (the force constants need a supercell wider than the potential\'s reach; the default is at least 10 Å wide)',
    );
  }
  if (params.task === 'neb') {
    if (params.end.length !== 3 * atoms.length) {
      throw new SimulationInputError(params.end.length ? `the end state has ${params.end.length / 3} atoms, the start ${atoms.length}: a band joins two states of the same atoms` : 'a band needs its end state: a structure of the same atoms in the same cell');
    }
    if (!(Number.isInteger(params.every) && params.every >= 1)) throw new SimulationInputError(`the band is written every whole number of steps from 1, got ${params.every}`);
    if (params.path === 'given' && params.startImages?.length !== params.images) {
      throw new SimulationInputError(`a band from given images needs its ${params.images} image(s) between the ends, got ${params.startImages?.length ?? 0}`);
    }
  }
  if (keepsSymmetry(params)) {
    if (!atoms.bulk) throw new SimulationInputError('keeping the symmetry needs a crystal: a structure periodic in all three directions');
    if (atoms.constrained) throw new SimulationInputError(SYMMETRY_AND_HELD);
  }
  return atoms;
}

/** Runs one simulation of `structure` with `calculator`. Input errors throw; everything else is in the outcome. */
export async function runSimulation(structure: Structure, calculator: Calculator, params: SimulationParameters, hooks: SimulationHooks = {}): Promise<SimulationOutcome> {
  const held = constraintsOf(params);
  let symmetry: Symmetry | undefined;
  let start = structure;
  let refinedBy: number | undefined;
  if (keepsSymmetry(params)) {
    checkSimulationInput(structure, null, params);
    if (!hooks.symmetry) throw new SimulationInputError("keeping the symmetry needs the space group's operations, found at the start");
    symmetry = new Symmetry(hooks.symmetry, structure.numbers, structure.cart, structure.lattice!);
    // first onto the group's ideal cell and positions (ASE's refine_symmetry)
    const ideal = symmetry.refine(structure.cart, structure.lattice!);
    start = { ...structure, cart: ideal.cart, lattice: ideal.lattice, frac: cartToFrac(ideal.cart, ideal.lattice) };
    refinedBy = ideal.moved;
  }
  const atoms = Atoms.fromStructure(start, { ...startOf(params), symmetry });
  try {
    let out = await simulate(atoms, structure.name, calculator, params, hooks);
    if (refinedBy !== undefined && out.summary?.task === 'relax') out = { ...out, summary: { ...out.summary, refinedBy } };
    // the final structure of a relaxation or an MD run says which atoms were held (a POSCAR written from it flags them)
    return out.final ? { ...out, final: heldStructure(out.final, held.fixed, held.axisConstraints) } : out;
  } catch (e) {
    if (e instanceof SimulationInputError) throw e;
    return { status: 'failed', message: (e as Error).message, summary: null, final: null };
  }
}

/**
 * The least volume per atom a calculation is made at, Å³: even the closest packing then puts
 * neighbours nearer than 0.71 Å, closer than the shortest bond there is (H₂'s 0.74 Å). Below it the cell
 * has collapsed (a potential's energy can fall without bound as atoms pile up), and the number of
 * neighbours, the memory and the time of one force call grow as 1/V: one call of a collapsing
 * Cu₃Au cell took minutes and gigabytes, and the run did not see Ctrl-C or SIGTERM until it returned.
 */
export const MIN_VOLUME_PER_ATOM = 0.25;

/** Why a calculation is not made at this cell (collapsed: `MIN_VOLUME_PER_ATOM`), or null. */
export function collapsedCellProblem(atoms: AtomicConfiguration): string | null {
  if (!atoms.lattice || !atoms.pbc.every(Boolean)) return null;
  const perAtom = Math.abs(cellVolume(atoms.lattice)) / atoms.numbers.length;
  if (perAtom >= MIN_VOLUME_PER_ATOM) return null;
  return `the cell has collapsed to ${perAtom.toPrecision(3)} Å³ per atom (a calculation needs at least ${MIN_VOLUME_PER_ATOM}): no matter is that dense; a pressure too high for the potential, or a cell not in Å`;
}

/**
 * The calculator as the run's loops see it: it refuses a collapsed cell (`collapsedCellProblem`), and
 * remembers the last calculation's ensemble force spread (the loops report a step after computing its
 * forces, so the last calculation is that step's).
 */
class RunCalculator implements Calculator {
  /** `{forceSpread}` of the last calculation, or nothing (a single model, a built-in). */
  last: { forceSpread?: number } = {};

  constructor(private readonly inner: Calculator) {}

  get name(): string {
    return this.inner.name;
  }

  get reach(): Reach | undefined {
    return this.inner.reach;
  }

  async calculate(atoms: AtomicConfiguration, options?: CalculateOptions): Promise<Calculation> {
    const collapsed = collapsedCellProblem(atoms);
    if (collapsed) throw new Error(collapsed);
    const c = await this.inner.calculate(atoms, options);
    this.last = c.forceSpread === undefined ? {} : { forceSpread: c.forceSpread };
    return c;
  }
}

async function simulate(atoms: Atoms, name: string, given: Calculator, params: SimulationParameters, hooks: SimulationHooks): Promise<SimulationOutcome> {
  const calculator = new RunCalculator(given);
  const stop = (params.task === 'relax' || params.task === 'md') && params.stopWhenExtrapolating === true;
  if (stop && !hooks.domain?.checks) {
    throw new SimulationInputError(
      hooks.domain
        ? "the potential's model file records no shortest distances or energy range of its training structures (made before Latticework recorded them), so a run cannot stop where it extrapolates: train it again"
        : 'stopping where the potential extrapolates needs a trained potential: a built-in calculator has no training structures',
    );
  }
  let stopped: { step: number; reason: string } | null = null;
  // the run's own loops stop at the next step once this says so
  const signal = {
    get aborted() {
      return stopped !== null || hooks.signal?.aborted === true;
    },
  };
  let index = 0;
  const frame = async (f: Omit<SimulationFrame, 'index' | 'lattice' | 'cart' | 'velocities'>, a: Atoms = atoms) => {
    const written: SimulationFrame = {
      ...f,
      index: index++,
      lattice: a.lattice ? (a.lattice.map((r) => [...r]) as Mat3) : null,
      cart: Float64Array.from(a.cart),
      velocities: params.task === 'md' ? Float64Array.from(a.velocities) : null,
    };
    const fresh = hooks.domain?.see(written) ?? [];
    if (stop && !stopped && fresh.length) stopped = { step: written.step, reason: fresh.join('; ') };
    await hooks.onFrame?.(written);
  };
  /** A run stopped outside the training structures ended by its own rule, as a relaxation out of steps does. */
  const stoppedOutcome = (o: SimulationOutcome): SimulationOutcome =>
    stopped && o.status === 'cancelled' && !hooks.signal?.aborted
      ? { ...o, status: 'finished', message: `stopped at step ${stopped.step}, outside the potential's training structures: ${stopped.reason}`, stoppedAt: stopped.step }
      : o;

  if (params.task === 'relax') {
    const every = params.every;
    if (!(Number.isInteger(every) && every >= 1)) throw new SimulationInputError(`the frame interval must be a positive integer, got ${every}`);
    let last: { step: number; written: boolean } = { step: -1, written: false };
    let pending: Parameters<typeof frame>[0] | null = null;
    const r = await relax(atoms, calculator, {
      optimizer: params.optimizer,
      fmax: params.fmax,
      maxSteps: params.maxSteps,
      cell: params.cell,
      pressure: fromGPa(params.pressure),
      smax: fromGPa(params.smax),
      hydrostatic: params.hydrostatic,
      minimum: params.minimum,
      signal,
      onStep: async (ev) => {
        const values: StepValues = { energy: ev.energy, fmax: ev.fmax, smax: ev.smax === null ? null : toGPa(ev.smax), volume: atoms.volume(), ...calculator.last };
        await hooks.onStep?.(ev.step, values);
        const f = { step: ev.step, time: null, energy: ev.energy, values, forces: Float64Array.from(ev.atomForces), stress: ev.stress ? Float64Array.from(ev.stress) : null };
        last = { step: ev.step, written: ev.step % every === 0 };
        if (last.written) {
          pending = null;
          await frame(f);
        } else {
          pending = f;
        }
      },
    });
    // the last state is always a frame
    if (!last.written && pending) await frame(pending);
    const summary: SimulationSummary = {
      task: 'relax',
      converged: r.converged,
      steps: r.steps,
      energy: r.energy,
      fmax: r.fmax,
      smax: r.smax === null ? null : toGPa(r.smax),
      pressure: r.stress ? toGPa(pressureOf(r.stress)) : null,
      volume: atoms.volume(),
      ...(params.minimum && { minimum: r.minimum }),
    };
    const status: SimulationStatus = r.status === 'cancelled' ? 'cancelled' : r.status === 'failed' ? 'failed' : 'finished';
    return stoppedOutcome({ status, message: r.message, summary, final: atoms.toStructure(`${name} (relaxed)`) });
  }

  if (params.task === 'md') {
    // how far the atoms moved from the start, step by step: MSD values and the diffusion coefficients
    const moved = new DiffusionLog(atoms);
    // the values of the last step logged: a frame is always of it (the last one of a run that stopped early too)
    let values: StepValues = {};
    const r = await runMolecularDynamics(atoms, calculator, {
      ensemble: params.ensemble,
      thermostat: params.thermostat,
      temperature: params.temperature,
      timestep: params.timestep,
      steps: params.steps,
      every: params.every,
      seed: params.seed,
      velocities: params.velocities === 'structure' ? 'keep' : 'maxwell-boltzmann',
      friction: params.friction,
      tau: params.tau,
      barostat: params.barostat,
      cellMotion: params.cellMotion,
      pressure: fromGPa(params.pressure),
      barostatTau: params.barostatTau,
      compressibility: params.compressibility,
      signal,
      onStep: (step, o) => {
        const d = moved.record(step * params.timestep);
        const msd: StepValues = { msd: d.all };
        for (const [sym, x] of Object.entries(d.byElement ?? {})) msd[`msd:${sym}`] = x;
        values = {
          potential: o.potential,
          kinetic: o.kinetic,
          total: o.total,
          temperature: o.temperature,
          pressure: o.pressure === null ? null : toGPa(o.pressure),
          volume: atoms.volume(),
          ...msd,
          ...calculator.last,
        };
        return hooks.onStep?.(step, values);
      },
      onFrame: (f) =>
        frame({
          step: f.step,
          time: f.time,
          energy: f.potential,
          values: { ...values, fmax: maxForce(f.forces) },
          forces: Float64Array.from(f.forces),
          stress: f.potentialStress ? Float64Array.from(f.potentialStress) : null,
        }),
    });
    const half = Math.floor(r.log.temperature.length / 2);
    const diffusion = moved.result();
    const pressures = r.log.pressure.slice(half).filter((p): p is number => p !== null);
    const summary: SimulationSummary = {
      task: 'md',
      steps: r.steps,
      drift: r.drift,
      meanTemperature: mean(r.log.temperature.slice(half)),
      meanPressure: pressures.length ? toGPa(mean(pressures)) : null,
      diffusion: diffusion.diffusion,
      diffusionByElement: diffusion.diffusionByElement,
      diffusionVerdict: diffusion.diffusionVerdict,
      diffusionVerdictByElement: diffusion.diffusionVerdictByElement,
    };
    const status: SimulationStatus = r.status === 'completed' ? 'finished' : r.status;
    return stoppedOutcome({ status, message: r.message, summary: r.log.total.length ? summary : null, final: atoms.toStructure(`${name} (after ${r.steps} MD steps)`, { momenta: true }) });
  }

  if (params.task === 'eos') {
    try {
      const r = await equationOfState(atoms, calculator, {
        points: params.points,
        range: params.range,
        relax: params.relax,
        relaxOptions: { fmax: params.fmax },
        signal: hooks.signal,
        ...(hooks.eosControls ? { controls: hooks.eosControls } : {}),
        onPoint: async (k, volume, energy, a) => {
          await hooks.onStep?.(k, { volume, energy });
          const c = await calculator.calculate(a, { stress: true });
          await frame({ step: k, time: null, energy, values: { volume, energy, fmax: maxForce(c.forces) }, forces: c.forces, stress: c.stress }, a);
        },
      });
      const final = atoms.clone();
      const l = final.lattice!;
      const s = Math.cbrt(r.fit.v0 / final.volume()!);
      final.setLattice(l.map((row) => row.map((x) => x * s)) as Mat3, true);
      const summary: SimulationSummary = {
        task: 'eos',
        points: r.points,
        v0: r.fit.v0,
        e0: r.fit.e0,
        b0GPa: toGPa(r.fit.b0),
        b0prime: r.fit.b0prime,
        rms: r.fit.rms,
        unconverged: r.unconverged,
      };
      const note = r.unconverged.length ? `; the relaxation did not converge at ${r.unconverged.length} volume(s)` : '';
      return {
        status: 'finished',
        message: `fitted ${r.points.length} volumes: V₀ ${r.fit.v0.toFixed(4)} Å³, B₀ ${toGPa(r.fit.b0).toFixed(2)} GPa, B₀′ ${r.fit.b0prime.toFixed(3)}${note}`,
        summary,
        final: final.toStructure(`${name} (V₀ from the equation of state)`),
      };
    } catch (e) {
      if (e instanceof EosCancelled) return { status: 'cancelled', message: `cancelled after ${e.done} of ${params.points} volumes`, summary: null, final: null };
      throw e;
    }
  }
  if (params.task === 'vibrations') {
    // the structure as it is, the one frame; a step per force call
    const start = await calculator.calculate(atoms, { stress: atoms.bulk });
    await frame({ step: 0, time: null, energy: start.energy, values: { energy: start.energy, fmax: maxForce(atoms.constrainVectors(Float64Array.from(start.forces))) }, forces: Float64Array.from(start.forces), stress: start.stress ? Float64Array.from(start.stress) : null });
    // the atoms not held fixed vibrate
    const r = await vibrations(atoms, calculator, {
      delta: params.delta,
      signal,
      onDisplacement: (done) => hooks.onStep?.(done, {}),
    });
    if (!r) return { status: 'cancelled', message: 'cancelled', summary: null, final: null };
    const imaginary = r.energies.filter((e) => e < 0).length;
    const summary: SimulationSummary = {
      task: 'vibrations',
      atoms: r.indices,
      energies: r.energies.map((e) => 1000 * e),
      frequencies: r.frequencies,
      zpe: r.zeroPointEnergy,
      modes: r.modes.map((m) => Array.from(m)),
      linearity: r.linearity,
    };
    const modes = `${r.energies.length} modes of ${r.indices.length} vibrating atoms`;
    return {
      status: 'finished',
      message: `${modes}: zero-point energy ${r.zeroPointEnergy.toFixed(4)} eV${imaginary ? `; ${imaginary} imaginary (the structure is not at a minimum, or these are its rigid motions)` : ''}${linearityNote(r.linearity, r.indices[0], 'mode energies')}`,
      summary,
      final: atoms.toStructure(name),
    };
  }
  if (params.task === 'elastic') {
    try {
      const r = await elasticConstants(atoms, calculator, {
        strain: params.strain,
        relax: params.relax,
        relaxOptions: { fmax: params.fmax },
        signal,
        onPoint: async (k, p, a, forces) => {
          const values = { component: p.component + 1, strain: p.strain, stress: toGPa(p.stress[p.component]), energy: p.energy };
          await hooks.onStep?.(k, values);
          await frame({ step: k, time: null, energy: p.energy, values: { ...values, fmax: maxForce(forces) }, forces, stress: Float64Array.from(p.stress) }, a);
        },
      });
      const summary = elasticSummary(r);
      const notes = elasticNotes(summary);
      return {
        status: 'finished',
        message: `bulk modulus ${gpaText(summary.bulkModulusGPa.hill)} GPa, shear modulus ${gpaText(summary.shearModulusGPa.hill)} GPa (Hill); ${stabilityText(summary)}${notes.map((n) => `; ${n}`).join('')}`,
        summary,
        final: atoms.toStructure(name),
      };
    } catch (e) {
      if (e instanceof ElasticCancelled) return { status: 'cancelled', message: 'cancelled', summary: null, final: null };
      throw e;
    }
  }
  if (params.task === 'phonons') {
    const start = await calculator.calculate(atoms, { stress: true });
    await frame({ step: 0, time: null, energy: start.energy, values: { energy: start.energy, fmax: maxForce(start.forces) }, forces: Float64Array.from(start.forces), stress: start.stress ? Float64Array.from(start.stress) : null });
    const supercell = params.supercell ?? defaultSupercell(atoms.lattice!);
    if (params.symmetry && !hooks.symmetry) throw new SimulationInputError("phonons with the symmetry need the space group's operations, found at the start");
    // the first half of the progress (`plannedSteps`): the force calls, as 6N steps whatever their number
    const calls = 6 * atoms.length;
    let told = 0;
    const onDisplacement = async (done: number, total: number) => {
      const step = Math.round((calls * done) / total);
      while (told < step) {
        told++;
        await hooks.onStep?.(told, {});
      }
    };
    const fc = await forceConstants(atoms, calculator, { supercell, delta: params.delta, signal, onDisplacement, ...(params.symmetry && hooks.symmetry ? { symmetry: hooks.symmetry } : {}) });
    if (!fc) return { status: 'cancelled', message: 'cancelled', summary: null, final: null };
    const path = defaultBandPath(atoms.lattice!);
    const sampled = samplePath(atoms.lattice!, path);
    const mesh = params.mesh ?? defaultMesh(atoms.lattice!);
    // the second half of the progress: the wave vectors, a step each time another 1/6N of them is done
    const onMesh = meshPoints(mesh);
    const points = sampled.qpoints.length + onMesh.length;
    let reported = calls;
    const progress = (offset: number) => async (done: number) => {
      const step = calls + Math.floor((calls * (offset + done)) / points);
      while (reported < step) {
        reported++;
        await hooks.onStep?.(reported, {});
      }
    };
    const onPath = await frequenciesOver(fc, sampled.qpoints, { signal, onPoint: progress(0) });
    // with two elements or more, the mesh's modes with their eigenvectors: the density of states of each element
    const elements = [...new Set(atoms.numbers)];
    const meshOptions = { signal, onPoint: progress(sampled.qpoints.length) };
    const weighted = onPath && elements.length > 1 ? await modeWeightsOver(fc, onMesh, meshOptions) : null;
    const meshFrequencies = weighted ? weighted.map((w) => w.frequencies) : onPath && elements.length === 1 ? await frequenciesOver(fc, onMesh, meshOptions) : null;
    if (!onPath || !meshFrequencies) return { status: 'cancelled', message: 'cancelled', summary: null, final: null };
    const projected = weighted && { weights: weighted, elements: elements.map((z) => ({ element: elementSymbol(z), atoms: Array.from(atoms.numbers.keys()).filter((j) => atoms.numbers[j] === z) })) };
    const summary = {
      ...phononSummary(sampled, onPath, meshFrequencies, supercell, mesh, path.lattice, projected),
      linearity: fc.linearity,
      symmetry: fc.symmetry,
      supercellWidths: cellWidths(atoms.lattice!).map((w, k) => w * supercell[k]) as [number, number, number],
      reach: calculator.reach ?? null,
      forceConstants: Array.from(fc.values),
    };
    const bySymmetry = fc.symmetry.displaced < atoms.length ? `; by symmetry ${fc.symmetry.displaced} of ${atoms.length} atoms displaced` : '';
    return {
      status: 'finished',
      message: `phonons of ${atoms.length} atom(s) from a ${supercell.join('×')} supercell (${fc.forceCalls} force calls${bySymmetry}): ${phononsText(summary)}`,
      summary,
      final: atoms.toStructure(name),
    };
  }
  if (params.task === 'neb') {
    /** An image of the band: the run's atoms at `cart`. */
    const imageAt = (cart: Float64Array) => {
      const a = atoms.clone();
      a.cart = cart;
      return a;
    };
    /** The band as the run's frames, start to end, in place of the band written before. */
    const writeBand = async (b: NebStep) => {
      index = 0;
      for (const [k, cart] of b.positions.entries()) {
        await frame({ step: b.step, time: null, energy: b.energies[k], values: { energy: b.energies[k], distance: b.distances[k], fmax: maxForce(b.forces[k]) }, forces: b.forces[k], stress: null }, imageAt(cart));
      }
    };
    let written = -1;
    const r = await nudgedElasticBand(atoms, Float64Array.from(params.end), calculator, {
      images: params.images,
      spring: params.spring,
      climb: params.climb,
      path: params.path,
      ...(params.path === 'given' ? { startImages: params.startImages!.map((x) => Float64Array.from(x)) } : {}),
      relaxEnds: params.relaxEnds,
      onEndStep: (end, step, fmax) => hooks.onWork?.(`relaxing the ${end}: step ${step}, fmax ${fmax.toPrecision(3)} eV/Å`),
      optimizer: params.optimizer,
      fmax: params.fmax,
      maxSteps: params.maxSteps,
      signal,
      onStep: async (b) => {
        await hooks.onStep?.(b.step, { barrier: b.energies[b.highest] - b.energies[0], fmax: b.fmax, ...calculator.last });
        if (b.step % params.every === 0) {
          await writeBand(b);
          written = b.step;
        }
      },
    });
    if (r.status === 'failed') return { status: 'failed', message: r.message, summary: null, final: null };
    // the band as it ended, unless it was just written
    if (written !== r.step) await writeBand(r);
    const e = r.energies;
    const fit = bandFit(e, r.forces, r.positions, r.distances);
    const summary: Extract<SimulationSummary, { task: 'neb' }> = {
      task: 'neb',
      converged: r.status === 'converged',
      steps: r.step,
      fmax: r.fmax,
      climb: params.climb,
      energies: e,
      distances: r.distances,
      highest: r.highest,
      barrier: e[r.highest] - e[0],
      fit: { distances: fit.distances, energies: fit.energies },
      fittedBarrier: fit.barrier,
      reverseBarrier: e[r.highest] - e[e.length - 1],
      reactionEnergy: e[e.length - 1] - e[0],
      endForces: r.endForces,
      path: r.path,
      relaxedEnds: r.relaxedEnds,
    };
    return {
      status: r.status === 'cancelled' ? 'cancelled' : 'finished',
      message: `${r.message}; ${nebText(summary)}${nebNotes(summary, params.fmax).map((n) => `; ${n}`).join('')}`,
      summary,
      // the highest image: the saddle point when it climbed
      final: imageAt(r.positions[r.highest]).toStructure(`${name}, image ${r.highest} of the band${params.climb ? ' (saddle point)' : ''}`),
    };
  }
  throw new Error(`unknown simulation task '${String((params as { task?: unknown }).task)}': use relax, md, eos, vibrations, elastic, phonons or neb`);
}
