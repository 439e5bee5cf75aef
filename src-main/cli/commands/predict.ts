/** `latticework predict --model NAME_OR_FILE FILE... [--json]`: predictions of a stored or file model. */
import { setFlagsFromString } from 'node:v8';
import { defaultTrainingWorkers } from '../../workers/parallel/workers';
import { CalculatorChoiceError, isBuiltinCalculator } from '../calculator';
import { parseCommandArgs, READ_LIMIT_OPTIONS, readLimits, readLimitsUsage, usageError, type Command, type CommandContext } from '../command';
import type { ScreenOutput, ScreeningRun } from '../screen';

const usage = `Usage: latticework predict --model NAME_OR_FILE FILE_OR_FOLDER... [--csv | --json] [--workers N]
                          [--contributions] [--backend NAME] [--max-atoms N] [--max-bytes N]

Predicts a property for every structure in the files (CIF, POSCAR, XYZ, VASP outputs) with a
stored model (see import-model), a .lwm model file or a CGCNN .pth.tar. A folder stands for the
structure files under it (subfolders included, in name order by code point as train and export
list a folder: NaCl before fermi, emt-10 before emt-2; other files are skipped), so a
folder of thousands of structures can be screened: threads read, build graphs and predict
shares of the files at once, rows are printed as they come (in file order) and progress goes to
stderr; Ctrl-C stops and keeps the rows printed. Graphs are built with the model's own settings
(cutoff, neighbours, padding, features). The built-in calculators emt, lj and morse predict
energy, forces and stress like a potential (without tfjs), with the same outputs, folders too.
  --model M          stored model name or model file, or emt, lj, morse (required)
  --param KEY=VALUE  lj/morse parameters, repeatable (see latticework relax --help)
  --contributions    also give each atom's contribution (mean/sum readouts; they add up
                     to the prediction); a potential's: each atom's energy, eV (text and JSON,
                     not CSV)
  --backend NAME     tfjs backend: auto (default), tfjs-node-gpu, tfjs-node, wasm, cpu
  --workers N        threads that screen with a property model, this one included (default:
                     one per core on wasm and cpu, 1 on tfjs-node and tfjs-node-gpu)
${readLimitsUsage(21)}
  --csv              print CSV rows as they come: file,name,model, one column per target
                     ("<target> (<unit>)"; the name alone when it ends with its unit, as
                     "band gap (eV)"), "<target> std" for ensembles, error (the
                     message for a file or structure that failed, its values empty) and
                     warnings (as --json's, "; " between them); for a per-atom model
                     (train --target forces) a row per atom: file,name,model,atom,element,
                     one column per target, error, warnings (no std columns); for a
                     potential, a row per structure (per frame): file,frame,model,
                     "energy (eV)","energy per atom (eV/atom)","max force (eV/Å)",
                     "stress xx (eV/Å³)" … "stress xy (eV/Å³)" (Voigt, ASE's sign; empty without
                     a periodic cell), "energy std (eV)" for ensembles, error and warnings
                     (forces per atom: --json)
  --json             print one JSON array, per structure {"file","name","model","prediction",
                     "std"?,"warnings","unit","task","backend","contributions"?} ("std" only for
                     ensembles; "warnings": first what the reader said of the structure's file as
                     a whole (an incomplete run: "incomplete file: … N complete ionic steps
                     read"), then what it said of the structure (an extended XYZ frame's 2D
                     cell given 10 Å of vacuum: "frame 0: the cell's third vector is zero
                     …"), then why the structure or the prediction lies outside the
                     model's training domain, and where the model's graph is not the structure:
                     partially occupied sites, atoms CGCNN's rule pads, a neighbour shell of two
                     elements its 12-neighbour cut splits; [] for none; a per-atom model adds
                     "perAtom": each atom's value(s), site order, of which "prediction" is
                     the mean), per file that failed
                     {"file","error":{"name","message","line"}}, per CIF data block that could
                     not be read while the file's others were {"file","block","error"} (after
                     them; in the CSV a row with the block's name and the message);
                     for a potential, per structure (per frame) {"file","frame","model","energy",
                     "energyPerAtom","forces":[[x,y,z]...],"stress":[6]|null,"std"?,"warnings"}
                     in eV, eV/Å, eV/Å³ (Voigt xx yy zz yz xz xy, ASE's sign; "warnings": what
                     the reader said of the file as a whole and of the structure, as above, and
                     for a trained potential
                     also pairs of atoms closer than in its training structures and energies
                     above their range), per file, frame or CIF data block that
                     failed {"file","frame"?,"block"?,"error":{"name","message","line"}}; with --contributions
                     also "contributions": each atom's energy (eV, adding up to "energy")
Text output: one line per structure: file, model, prediction (± std) and unit as the app
shows it (a classifier's class, e.g. P(metal); log₁₀ GPa with GPa beside; a potential's
energy (± std), energy per atom, largest force and stress), then a "warning:" line per reason
(as --json's "warnings", what the reader said of the structure first), and with --contributions an
"atom I EL:" line per atom (0-based); a per-atom model: the atoms' mean "(mean of N atoms)",
then an "atom I EL:" line per atom with its values. What the reader said of a file as a whole
(an incomplete run) goes to stderr, once, before its lines: "latticework predict: warning: FILE: …".
Exit status: 0 when every structure was predicted, 1 when some file or structure failed (a potential
refuses two atoms at the same position: "NAME: atoms 0 and 1 are at the same position"), 2 for bad usage,
130 when interrupted before its last file (143 by SIGTERM; a signal after it is too late).`;

/**
 * V8's interrupt budget (bytes of bytecode a function runs before V8 considers optimising it; V8's
 * default 67,584): four times the default for a screening. Every thread that screens (this one and
 * each worker, an isolate of its own) reads CIFs, builds graphs and drives the engine, and at the
 * default V8 optimises ~140 functions per thread on its compiler threads, many of them before their
 * type feedback settles (then deoptimises and compiles them again): a fifth of the whole command's
 * CPU. With this budget ~70 per thread: the hot loops still get optimised and the command's CPU falls
 * by 12–14 % (2,000 CIFs, BENCHMARKS.md "Screening"; 3× and 6× save less, 8× none).
 */
const SCREENING_INTERRUPT_BUDGET = 4 * 67_584;

export const predictCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'predict', usage, {
      allowPositionals: true,
      options: { model: { type: 'string', short: 'm' }, contributions: { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' }, workers: { type: 'string' }, param: { type: 'string', multiple: true }, ...READ_LIMIT_OPTIONS },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (!values.model || positionals.length === 0) return usageError(ctx.io, 'predict', '--model and at least one structure file are required', usage);
    if (values.csv && values.json) return usageError(ctx.io, 'predict', '--csv and --json are two outputs: give one', usage);
    if (values.csv && values.contributions) return usageError(ctx.io, 'predict', '--contributions are per atom: they go in the text and JSON outputs, not in the CSV (a row per structure)', usage);
    const output: ScreenOutput = values.json ? 'json' : values.csv ? 'csv' : 'text';
    let limits;
    try {
      limits = readLimits(values);
    } catch (e) {
      return usageError(ctx.io, 'predict', (e as Error).message, usage);
    }
    if (isBuiltinCalculator(values.model)) {
      try {
        return await (await import('./predict-builtin')).runBuiltinPredict(ctx, values.model, values.param ?? [], positionals, output, !!values.contributions, limits);
      } catch (e) {
        if (e instanceof CalculatorChoiceError) return usageError(ctx.io, 'predict', e.message, usage);
        throw e;
      }
    }
    if (values.param?.length) return usageError(ctx.io, 'predict', '--param is for the built-in calculators emt, lj and morse', usage);
    const workers = values.workers === undefined ? null : Number(values.workers);
    if (workers !== null && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) return usageError(ctx.io, 'predict', `--workers wants a whole number from 1 to 64, not "${values.workers}"`, usage);
    // before the workers start (each reads the flag when its isolate starts) and this thread first runs the readers
    setFlagsFromString(`--interrupt-budget=${SCREENING_INTERRUPT_BUDGET}`);
    const { screeningFiles, screeningPlan, startScreeningWorkers, runScreening } = await import('../screen');
    const files = await screeningFiles(positionals, ctx.cwd);
    // the screening workers start now (one per core on wasm and cpu, this thread included) and load
    // their backend while this thread loads tfjs and the model; this thread's kernels get its share of the cores
    let plan = screeningPlan(files.length, workers ?? defaultTrainingWorkers('wasm').default);
    let pool = startScreeningWorkers(plan, values.backend ?? null);
    const closePool = () => void pool?.dispose();
    // the engine (tfjs) is loaded only for a model
    const [{ importCgcnnCheckpoint }, { resolveModel }, { isPotentialFile }, { describeBackend, initBackend }, { encodeModelFile }, { runPotentialPredict }, { configureKernelThreads, kernelThreadsFixed }] = await Promise.all([
      import('../../engine/import/cgcnn'),
      import('../../models/store'),
      import('../../engine/potential/file'),
      import('../../engine/tf/backend'),
      import('../../engine/models/format'),
      import('./predict-potential'),
      import('../../engine/simd'),
    ]);
    // (a process that ran a command before, the tests, keeps its kernels' threads)
    if (!kernelThreadsFixed()) configureKernelThreads(plan.kernelThreads);
    let backend;
    try {
      // inference only: tfjs's gradients are not registered here (a potential's shares register them)
      backend = await initBackend({ ...(values.backend ? { force: values.backend } : {}), gradients: false });
    } catch (e) {
      closePool();
      return usageError(ctx.io, 'predict', (e as Error).message);
    }
    let data;
    try {
      data = await resolveModel(values.model, ctx.cwd, (bytes, fileName) => importCgcnnCheckpoint(bytes, { fileName }));
    } catch (e) {
      closePool();
      ctx.io.err(`latticework predict: ${(e as Error).message}`);
      return 1;
    }
    // tfjs-node's own kernels use every core: one thread screens there (unless --workers says otherwise)
    const chosen = screeningPlan(files.length, workers ?? defaultTrainingWorkers(backend.candidate).default);
    if (chosen.threads !== plan.threads) {
      closePool();
      pool = null;
      plan = chosen;
    }
    const run: ScreeningRun = {
      header: data.header,
      modelBytes: encodeModelFile(data),
      files,
      output,
      contributions: !!values.contributions,
      limits,
      plan,
      pool,
      backend: backend.candidate,
      backendText: describeBackend(backend),
    };
    // a potential's shares register tfjs's gradients (forces and stress); property models do without
    return isPotentialFile(data) ? runPotentialPredict(ctx, run) : runScreening(ctx, run);
  },
};

