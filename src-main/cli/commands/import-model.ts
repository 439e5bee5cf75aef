/** `latticework import-model FILE.pth.tar [--name NAME]`: a CGCNN checkpoint → a stored Latticework model. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parameterCount } from '../../engine/architectures/registry';
import { baseName, importCgcnnCheckpoint } from '../../engine/import/cgcnn';
import { encodeModelFile, isModelFile } from '../../engine/models/format';
import { modelRepository } from '../../models/store';
import { parseModelName } from '../../../src-shared/model/names';
import { flagOptions, outputFileProblem, parseCommandArgs, readJsonObjectFile, usageError, valueOptions, type Command, type CommandContext } from '../command';
import { isPotentialConfig } from '../../../src-shared/model/potential';
import { groupThousands } from '../../../src-shared/text';
import { readNamedFile } from '../../files/path-guard';
import { hearStopSignals, leaveStopSignalsUnheard, signalName, stepStopSignal, stoppedStatus } from '../signals';

const usage = `Usage: latticework import-model FILE.pth.tar [--name NAME] [--atom-init FILE] [--out FILE.lwm] [--force] [--json]

Imports a CGCNN checkpoint (PyTorch's legacy .pth.tar, as published in txie-93/cgcnn
pre-trained/) without Python, and stores it in the database (--db PATH, else
$LATTICEWORK_DB, else the data directory's), beside the app's models. The model keeps CGCNN's graph settings
(radius 8 Å, 12 neighbours with padding, Gaussian 0..8 Å by 0.2 Å) and atom embedding.
A Latticework model file (.lwm) needs no import: predict --model FILE.lwm uses it as it is.
  --name NAME        name to store it under (default: the file name); not a built-in
                     model's name or short name (band-gap: the built-in CGCNN band gap)
  --atom-init FILE   atom_init.json the model was trained with (default: CGCNN's standard one)
  --out FILE.lwm     write the model file there instead of storing it (a new file: nothing is overwritten)
  --force            replace a stored model of the same name
  --json             print {"name","location","task","architecture","targets","parameters","normalizer","sha256"}
Ctrl-C or SIGTERM before the model is stored (or written) stops the import: nothing is kept.
Exit status: 0 on success, 1 when the file cannot be imported, 2 for bad usage (a name
already stored without --force among it, as for train), 130 stopped by Ctrl-C (143 by SIGTERM).`;

export const importModelCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'import-model', usage, {
      allowPositionals: true,
      options: { ...valueOptions('name', 'atom-init', 'out'), ...flagOptions('force', 'json') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1) return usageError(ctx.io, 'import-model', 'expected exactly one checkpoint file', usage);
    const file = resolve(ctx.cwd, positionals[0]);
    const unwritable = values.out === undefined ? null : outputFileProblem(ctx.cwd, 'out', values.out);
    if (unwritable) return usageError(ctx.io, 'import-model', unwritable);
    // a taken name is bad usage (exit 2), as train refuses it: said before the checkpoint is converted
    let name: string;
    try {
      name = parseModelName(values.name ?? baseName(file));
    } catch (e) {
      return usageError(ctx.io, 'import-model', `--name: ${(e as Error).message}`);
    }
    // a stop signal (Ctrl-C, SIGTERM) before the model is stored or written stops the import: nothing is kept
    const { signal, off } = stepStopSignal((sig) =>
      ctx.io.err(`latticework import-model: stopped by ${signalName(sig)} before ${values.out ? `it wrote ${values.out}; nothing written` : 'the model was stored; nothing imported'}`),
    );
    try {
      return await importModel(ctx, { file, shown: positionals[0], name, out: values.out, atomInit: values['atom-init'], force: !!values.force, json: !!values.json }, signal);
    } finally {
      off();
    }
  },
};

/** What import-model was given, its arguments read. */
interface ImportArgs {
  /** The checkpoint (absolute) and as it was given. */
  file: string;
  shown: string;
  name: string;
  out: string | undefined;
  atomInit: string | undefined;
  force: boolean;
  json: boolean;
}

/** The import once its arguments are read: the checkpoint converted, then stored (or written to --out) unless `stop` was asked first. */
async function importModel(ctx: CommandContext, a: ImportArgs, stop: { readonly aborted: boolean }): Promise<number> {
  let atomInit: Record<string, number[]> | undefined;
  try {
    if (a.atomInit !== undefined) atomInit = (await readJsonObjectFile(resolve(ctx.cwd, a.atomInit), 'an atom_init.json', a.atomInit)) as Record<string, number[]>;
  } catch (e) {
    ctx.io.err(`latticework import-model: --atom-init ${(e as Error).message}`);
    return 1;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readNamedFile(a.file, a.shown, 'model'));
  } catch (e) {
    ctx.io.err(`latticework import-model: ${(e as Error).message}`);
    return 1;
  }
  try {
    if (isModelFile(bytes)) {
      ctx.io.err(`latticework import-model: ${a.shown} is a Latticework model file (.lwm): import-model converts CGCNN checkpoints (.pth.tar). A .lwm needs no conversion: predict with it as it is (latticework predict --model ${a.shown} FILE...), or store it with the app's Import model.`);
      return 1;
    }
    // the name, before the conversion (the work); after the file is known to be no .lwm, which a name would not help
    const taken = a.out ? null : await modelRepository().saveProblem(a.name, { overwrite: a.force });
    if (taken) return usageError(ctx.io, 'import-model', taken);
    const data = importCgcnnCheckpoint(bytes, { name: a.name, fileName: a.file, ...(atomInit ? { atomInit } : {}) });
    // the last step: a stop signal that came while the checkpoint was read and converted stops it before it, one after it is too late
    await hearStopSignals();
    if (stop.aborted) return stoppedStatus();
    let location: string;
    if (a.out) {
      location = resolve(ctx.cwd, a.out);
      writeFileSync(location, encodeModelFile(data));
    } else {
      location = await modelRepository().save(data, { overwrite: a.force });
    }
    leaveStopSignalsUnheard();
    const h = data.header;
    const config = h.config;
    if (isPotentialConfig(config)) throw new Error('internal: a CGCNN import produced a potential config');
    const params = parameterCount(config);
    if (a.json) {
      ctx.io.out(JSON.stringify({ name: h.name, location, task: h.task, architecture: config.architecture, targets: h.targets, parameters: params, normalizer: h.normalizer, sha256: h.provenance.sha256 }));
    } else {
      const t = h.targets[0];
      ctx.io.out(`imported ${h.name}: CGCNN ${h.task}, ${t.name}${t.unit ? ` (${t.unit})` : ''}, ${config.model.numLayers} convolutions, ${groupThousands(params)} parameters → ${location}`);
    }
    return 0;
  } catch (e) {
    ctx.io.err(`latticework import-model: ${a.shown}: ${(e as Error).message}`);
    return 1;
  }
}
