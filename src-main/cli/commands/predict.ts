/** `latticework predict --model NAME_OR_FILE FILE... [--json]`: predictions of a stored or file model. */
import { resolve } from 'node:path';
import { structureErrorData } from '../../../src-shared/chem';
import { readStructuresFile } from '../../files/structure-file';
import type { Structure } from '../../../src-shared/chem/structure';
import { CalculatorChoiceError, isBuiltinCalculator } from '../calculator';
import { parseCommandArgs, usageError, type Command, type CommandContext } from '../command';

const usage = `Usage: latticework predict --model NAME_OR_FILE FILE... [--contributions] [--backend NAME] [--json]

Predicts a property for every structure in the files (CIF, POSCAR, XYZ) with a stored
model (see import-model), a .lwm model file or a CGCNN .pth.tar. Graphs are built with
the model's own settings (cutoff, neighbours, padding, features). The built-in calculators
emt, lj and morse predict energy, forces and stress like a potential (without tfjs).
  --model M          stored model name or model file, or emt, lj, morse (required)
  --param KEY=VALUE  lj/morse parameters, repeatable (see latticework relax --help)
  --contributions    also give each atom's contribution (mean/sum readouts; they add up
                     to the prediction)
  --backend NAME     tfjs backend: auto (default), tfjs-node-gpu, tfjs-node, wasm, cpu
  --json             print one JSON array, per structure {"file","name","model","prediction",
                     "std"?,"unit","task","backend","contributions"?} ("std" only for
                     ensembles), per file that failed {"file","error":{"name","message","line"}};
                     for a potential, per structure (per frame) {"file","frame","model","energy",
                     "energyPerAtom","forces":[[x,y,z]...],"stress":[6]|null,"std"?} in eV, eV/Å,
                     eV/Å³ (Voigt xx yy zz yz xz xy, ASE's sign)
Text output: one line per structure: file, model, prediction (± std) and unit.
Exit status: 0 when every structure was predicted, 1 when some file failed, 2 for bad usage.`;

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(4) : x.toFixed(4);
}

export const predictCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'predict', usage, {
      allowPositionals: true,
      options: { model: { type: 'string', short: 'm' }, contributions: { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' }, param: { type: 'string', multiple: true } },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (!values.model || positionals.length === 0) return usageError(ctx.io, 'predict', '--model and at least one structure file are required', usage);
    if (isBuiltinCalculator(values.model)) {
      try {
        return await (await import('./predict-builtin')).runBuiltinPredict(ctx, values.model, values.param ?? [], positionals, !!values.json);
      } catch (e) {
        if (e instanceof CalculatorChoiceError) return usageError(ctx.io, 'predict', e.message, usage);
        throw e;
      }
    }
    if (values.param?.length) return usageError(ctx.io, 'predict', '--param is for the built-in calculators emt, lj and morse', usage);
    // the engine (tfjs) is loaded only for a model
    const [{ importCgcnnCheckpoint }, { instantiateModel }, { predictRows }, { resolveModel }, { isPotentialFile }, { describeBackend, initBackend }, { runPotentialPredict }] = await Promise.all([
      import('../../engine/import/cgcnn'),
      import('../../engine/models/runtime'),
      import('../../models/service'),
      import('../../models/store'),
      import('../../engine/potential/file'),
      import('../../engine/tf/backend'),
      import('./predict-potential'),
    ]);
    let status = 0;
    let backend;
    try {
      backend = await initBackend(values.backend ? { force: values.backend } : {});
    } catch (e) {
      return usageError(ctx.io, 'predict', (e as Error).message);
    }
    let model;
    try {
      const data = await resolveModel(values.model, ctx.cwd, (bytes, fileName) => importCgcnnCheckpoint(bytes, { fileName }));
      if (isPotentialFile(data)) return runPotentialPredict(ctx, data, positionals, !!values.json, backend);
      model = instantiateModel(data);
    } catch (e) {
      ctx.io.err(`latticework predict: ${(e as Error).message}`);
      return 1;
    }
    try {
      const items: Array<{ file: string; s: Structure }> = [];
      const failed: { file: string; error: { name: string; message: string; line: number | null } }[] = [];
      for (const f of positionals) {
        const path = resolve(ctx.cwd, f);
        try {
          const r = await readStructuresFile(path, f);
          for (const s of r.structures) items.push({ file: f, s });
        } catch (e) {
          const data = structureErrorData(e, f);
          failed.push({ file: f, error: { name: data.name, message: data.message, line: data.line } });
          if (!values.json) ctx.io.err(`latticework predict: ${f}: ${data.message}`);
          status = 1;
        }
      }
      const report = predictRows(model, items.map((i) => ({ file: i.file, structure: i.s })), { contributions: !!values.contributions });
      const rows = report.predictions;
      const h = model.header;
      const unit = report.unit;
      if (values.json) {
        const entries = rows.map((r) => ({ ...r, unit, task: report.task, backend: backend.candidate }));
        ctx.io.out(JSON.stringify([...entries, ...failed]));
      } else {
        ctx.io.err(`model ${model.name} (${h.config.architecture} ${h.task}: ${h.targets.map((t) => t.name).join(', ')}); backend ${describeBackend(backend)}`);
        const wFile = Math.max(4, ...rows.map((r) => r.file.length));
        for (const r of rows) {
          const vals = Array.isArray(r.prediction) ? r.prediction : [r.prediction];
          const stds = r.std === undefined ? null : Array.isArray(r.std) ? r.std : [r.std];
          const text = vals.map((v, t) => `${fmt(v)}${stds ? ` ± ${fmt(stds[t])}` : ''}`).join(', ');
          ctx.io.out(`${r.file.padEnd(wFile)}  ${r.model}  ${text}${unit ? ` ${unit}` : ''}`);
          if (r.contributions) {
            const species = items[rows.indexOf(r)].s.species;
            r.contributions.forEach((c, i) => ctx.io.out(`    atom ${i} ${species[i] ?? ''}: ${(Array.isArray(c) ? c : [c]).map(fmt).join(', ')}`));
          }
        }
      }
    } finally {
      model.dispose();
    }
    return status;
  },
};

