/**
 * The reader in this process (the command line, benchmarks): structure files are parsed by the
 * compute task `parse-structures` itself, called here rather than in a worker, and the graphs of
 * a model built from the items.
 */
import { createHash } from 'node:crypto';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import { parseAtomInit, type AtomInitTable } from '../../src-shared/graph/features';
import { buildGraph } from '../../src-shared/graph/graph';
import type { ModelConfig } from '../../src-shared/model/config';
import { parseModelConfig } from '../engine/architectures/registry';
import { graphOptionsFromConfig } from '../../src-shared/model/graph-options';
import type { TrainingSample } from '../engine/train/trainer';
import { taskHandlers } from '../workers/tasks';
import { CGCNN_ATOM_INIT_TEXT } from './atom-init';
import { pathSource, readDataset, type DatasetRead, type DatasetReadOptions, type ReaderIO } from './index';
import type { LabelledStructures } from './types';
import type { DatasetKind } from '../../src-shared/ipc/contract';
import { plural } from '../../src-shared/text';

const quiet = () => ({ signal: new AbortController().signal, progress: () => undefined, emit: () => undefined });

export const inProcessIO: ReaderIO = {
  // training and export read structures for their graphs only: no space-group search (~1 ms a structure)
  parse: (files) => taskHandlers['parse-structures']({ files, symmetry: false }, quiet()),
  framesReader: (_sources, options) => async (source) => (await taskHandlers['read-frames']({ sources: [source], options }, quiet()))[0],
  progress: () => undefined,
};

/** Reads the dataset at `path` (folder or file) in this process. */
export async function readDatasetAt(path: string, options: DatasetReadOptions & { kind?: DatasetKind } = {}): Promise<DatasetRead> {
  return readDataset(await pathSource(path), options, inProcessIO);
}

/**
 * The SHA-256 of what training learns from a read dataset: each item's name, targets and structure as
 * read (with its per-atom arrays), in order, and the folder's own atom table. `latticework train`
 * records it with a run, and `--resume` refuses data that reads otherwise since.
 */
export function datasetFingerprint(read: LabelledStructures): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([read.targetKey, read.perAtomTarget, read.atomInit]));
  for (const it of read.items) hash.update(JSON.stringify([it.name, it.targets, it.parsed.structure])).update('\n');
  return hash.digest('hex');
}

/** The atom table a CGCNN model trains with on this dataset: the folder's own atom_init.json, else CGCNN's standard one. */
export function datasetAtomInit(read: Pick<LabelledStructures, 'atomInit'>): AtomInitTable {
  return parseAtomInit(read.atomInit ?? CGCNN_ATOM_INIT_TEXT);
}

/**
 * Every item's graph with the config's graph settings, and its target: the per-structure values, or
 * for a per-atom target the structure's site property (atoms × width, row-major).
 */
export function trainingSamples(config: ModelConfig, read: LabelledStructures, atomInit: AtomInitTable): TrainingSample[] {
  return read.items.map(trainingSampleOf(config, read, atomInit));
}

/**
 * The graph and target of one item of `read` (`trainingSamples` builds every item's at once; an export builds them
 * one at a time, to heed a stop between them).
 */
export function trainingSampleOf(config: ModelConfig, read: LabelledStructures, atomInit: AtomInitTable): (item: LabelledStructures['items'][number]) => TrainingSample {
  const options = graphOptionsFromConfig(config, atomInit);
  return (it) => {
    let target: ArrayLike<number> = it.targets;
    if (read.perAtomTarget) {
      const p = it.parsed.structure.siteProperties[read.perAtomTarget.key];
      if (!p || p.kind === 'string') throw new Error(`${it.name} has no per-atom array "${read.perAtomTarget.key}"`);
      target = p.values;
    }
    return { id: it.name, graph: buildGraph(structureFromJSON(it.parsed.structure), options), target };
  };
}

/**
 * The config with its head fitted to the data's targets (a per-atom head for a per-atom target, as
 * many regression outputs as target columns), the output names, and whether the target is per atom.
 */
export function fitConfigToData(config: ModelConfig, read: LabelledStructures): { config: ModelConfig; targetNames: string[]; perAtom: boolean } {
  const perAtom = read.perAtomTarget !== null;
  const width = read.perAtomTarget?.width ?? read.targetNames.length;
  const targetNames = perAtom ? Array.from({ length: width }, (_, k) => (width > 1 ? `${read.targetKey}[${k}]` : read.targetKey)) : read.targetNames;
  const head = config.model.head;
  if (perAtom && head.kind !== 'per-atom') config = parseModelConfig({ ...config, model: { ...config.model, head: { kind: 'per-atom', numTargets: width } } });
  else if (head.kind === 'regression' && head.numTargets !== width) config = parseModelConfig({ ...config, model: { ...config.model, head: { kind: 'regression', numTargets: width } } });
  return { config, targetNames, perAtom };
}

/**
 * What the reader said of the structures a dataset keeps (a 2D cell given a vector normal to it, partially occupied
 * sites), one line per warning naming the structure's file, the first 10 and how many more; null when it said nothing.
 */
export function readerNotes(read: Pick<DatasetRead, 'items' | 'source'>): string | null {
  const said = read.items.flatMap((it) => it.parsed.warnings.map((w) => `${it.file}: ${w}`));
  if (said.length === 0) return null;
  const n = said.length;
  return `what the reader said of the structures of ${read.source}:\n  ${said.slice(0, 10).join('\n  ')}${n > 10 ? `\n  … and ${n - 10} more` : ''}`;
}

/**
 * What the reader left out of a dataset (unreadable files, rows and frames without a label, frames
 * identical to an earlier one), as one message counting each kind ("1 whole file", not "1 file, row or
 * frame": a file that fails to parse is left out with every frame in it; "8 rows or frames" for a file's
 * "FILE (8 frames without an energy)", the rows and frames themselves, not the lines naming them); null
 * when nothing was.
 */
export function leftOutMessage(read: DatasetRead): string | null {
  const duplicates = read.frames?.duplicates ?? 0;
  const left = [
    // a failure's message starts with "line N: " when its line is known
    ...read.failed.map((f) => `${f.file}: ${f.error.message}`),
    ...read.unlabelled,
    ...(duplicates ? [`${plural(duplicates, 'frame')} identical to an earlier frame (same species, cell and positions; the first kept)`] : []),
  ];
  if (left.length === 0) return null;
  const counts = [
    read.failed.length ? plural(read.failed.length, 'whole file') : '',
    read.unlabelledCount ? plural(read.unlabelledCount, 'row or frame', 'rows or frames') : '',
    duplicates ? plural(duplicates, 'duplicate frame') : '',
  ].filter((c) => c !== '');
  const n = left.length;
  return `${counts.join(', ')} left out of ${read.source}:\n  ${left.slice(0, 10).join('\n  ')}${n > 10 ? `\n  … and ${n - 10} more` : ''}`;
}
