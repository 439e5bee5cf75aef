/**
 * The `simulate` compute task: one relaxation, molecular dynamics run or equation of state with a
 * built-in calculator (src-shared/sim) or a trained potential (its model file, given by the
 * service; loaded with tfjs here, the engine's PotentialCalculator). Frames and per-step values go
 * to the caller in batches at most every 100 ms (and at the end; the frames of one step, a band's
 * images, always in one batch), with a trained potential's
 * warnings when a batch's frames added one, which the simulations service writes to SQLite one
 * batch per transaction. Cancellation (ctx.signal) stops the run between
 * steps; the outcome says so. A built-in's steps are microtasks only (every calculate() resolves
 * at once), so the task yields to the event loop every 20 ms: otherwise the cancel message could
 * not be read until the run ended.
 */
import { structureFromJSON, structureToJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import {
  builtinCalculator,
  symmetryTolerance,
  plannedSteps,
  runSimulation,
  storedSummary,
  type Calculator,
  type CalculatorSpec,
  type SimulationFrame,
  type SimulationParameters,
  type SimulationStatus,
  type SimulationSummary,
  type StepValues,
  trajectoryDomainWatch,
} from '../../src-shared/sim';
import type { TrainingDomain } from '../../src-shared/model/domain';
import { EOS_CONTROLS } from '../../src-shared/sim/eos';
import type { TaskContext } from './protocol';
import { symmetryOperations, withRelaxationSpaceGroups } from '../chem/spacegroup';

export interface SimulateTaskInput {
  structure: StructureJSON;
  calculator: CalculatorSpec;
  /** With a `{kind: 'model'}` calculator: the potential's model file (`.lwm`). */
  model?: Uint8Array;
  parameters: SimulationParameters;
}

/** A batch of what the run produced since the previous one. */
export interface SimulateEvent {
  frames: SimulationFrame[];
  steps: { step: number; values: StepValues }[];
  /** A trained potential: every warning so far (TrajectoryDomainWatch), when this batch's frames changed them. */
  warnings?: string[];
  /** Work between recorded steps, said in a few words (a band relaxing its ends): the latest since the last batch. */
  work?: string;
}

export interface SimulateTaskOutput {
  status: SimulationStatus;
  message: string;
  summary: SimulationSummary | null;
  final: StructureJSON | null;
  /** A trained potential: where the frames left its training structures (TrajectoryDomainWatch); null for a built-in. */
  warnings: string[] | null;
}

const FLUSH_MS = 100;
const YIELD_MS = 20;

/** The calculator a spec names; a trained potential is read from the model file sent with it, with its training domain. */
async function openCalculator(input: SimulateTaskInput): Promise<{ calculator: Calculator; potential: { domain: TrainingDomain | null } | null }> {
  if (input.calculator.kind !== 'model') return { calculator: builtinCalculator(input.calculator), potential: null };
  if (!input.model) throw new Error(`model ${input.calculator.modelId}: its file was not sent with the simulation`);
  // tfjs loads only for a trained potential
  const [{ ensureBackend }, { decodeModelFile }, { LoadedPotential }, { PotentialCalculator }] = await Promise.all([
    import('./backend'),
    import('../engine/models/format'),
    import('../engine/potential/file'),
    import('../engine/potential/calculator'),
  ]);
  await ensureBackend();
  const file = decodeModelFile(input.model);
  return { calculator: new PotentialCalculator(new LoadedPotential(file)), potential: { domain: file.header.domain ?? null } };
}

export async function simulateTask(input: SimulateTaskInput, ctx: TaskContext): Promise<SimulateTaskOutput> {
  const { calculator, potential } = await openCalculator(input);
  const start = structureFromJSON(input.structure);
  const watch = potential ? trajectoryDomainWatch(potential.domain, start, input.parameters.task) : null;
  let batch: SimulateEvent = { frames: [], steps: [] };
  let last = Date.now();
  let yielded = Date.now();
  // the warnings last sent, as one text: an equation of state's grow a volume without a new reason
  let told = '';
  const flush = () => {
    if (batch.frames.length === 0 && batch.steps.length === 0 && batch.work === undefined) return;
    const warnings = watch?.warnings ?? [];
    if (warnings.join('\n') !== told) {
      batch.warnings = warnings;
      told = warnings.join('\n');
    }
    ctx.emit(batch);
    batch = { frames: [], steps: [] };
    last = Date.now();
  };
  const planned = plannedSteps(input.parameters, start.numbers.length);
  /** Lets the event loop run (a cancel message comes in there) at least every YIELD_MS. */
  const yieldNow = async (now: number) => {
    if (now - yielded < YIELD_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    yielded = Date.now();
  };
  try {
    const tolerance = symmetryTolerance(input.parameters);
    const symmetry = tolerance === null ? undefined : await symmetryOperations(start, tolerance);
    const ran = await runSimulation(start, calculator, input.parameters, {
      signal: ctx.signal,
      // the app's runs are set up in the Simulate panel: an equation of state's advice names its fields
      eosControls: EOS_CONTROLS.panel,
      ...(symmetry ? { symmetry } : {}),
      onStep: async (step, values) => {
        batch.steps.push({ step, values });
        const now = Date.now();
        if (now - last >= FLUSH_MS) {
          flush();
          ctx.progress(step, planned, `step ${step}`);
        }
        await yieldNow(now);
      },
      onWork: async (what) => {
        batch.work = what;
        const now = Date.now();
        if (now - last >= FLUSH_MS) {
          flush();
          ctx.progress(0, planned, what);
        }
        await yieldNow(now);
      },
      ...(watch ? { domain: watch } : {}),
      onFrame: (frame) => {
        // a batch (one transaction) never splits the frames of one step: a band's images are stored together
        const previous = batch.frames[batch.frames.length - 1];
        if (previous && previous.step !== frame.step && Date.now() - last >= FLUSH_MS) flush();
        batch.frames.push(frame);
      },
    });
    flush();
    // a relaxation says whether the crystal kept its symmetry
    const outcome = await withRelaxationSpaceGroups(ran, start, symmetry);
    return { status: outcome.status, message: outcome.message, summary: storedSummary(outcome.summary), final: outcome.final ? structureToJSON(outcome.final) : null, warnings: watch ? watch.warnings : null };
  } finally {
    calculator.dispose?.();
  }
}
