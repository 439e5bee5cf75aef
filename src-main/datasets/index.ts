/**
 * The one dataset reader: `latticework train --data`, the app's dataset import (and through it
 * the app's training) read labelled structures here, by the rules of docs/datasets.md: CGCNN
 * folders, extended XYZ with a target, CSV tables, and labelled frames (energies, forces, stresses)
 * of every structure and trajectory format.
 *
 * A format is one module of this folder (`DatasetFormat`: its kind, how to recognise it, how to
 * read it) listed in DATASET_FORMATS; the source (a path through the path guard, or dropped files:
 * source.ts) and where structure files are parsed (`ReaderIO`: the compute pool in the app, this
 * process on the command line) are the caller's.
 */
import type { DatasetKind } from '../../src-shared/ipc/contract';
import { UserError } from '../ipc/errors';
import { plural } from '../../src-shared/text';
import { cgcnnFolder } from './cgcnn-folder';
import { csvTable } from './csv';
import { extxyzFrames } from './extxyz';
import { labelledFrames } from './frames';
import { NoDatasetFileError, type DatasetSource } from './source';
import type { DatasetFormat, DatasetRead, DatasetReadOptions, ReaderIO } from './types';

export type { DatasetRead, DatasetReadOptions, LabelledItem, ReaderIO, StructureText } from './types';
export { droppedLabel, droppedSource, pathSource, type DatasetSource } from './source';

/** Every format, in the order they are tried when a path is given without its kind. */
export const DATASET_FORMATS: readonly DatasetFormat[] = [cgcnnFolder, extxyzFrames, csvTable, labelledFrames];

/** The format of a source: the kind given, else the first format that recognises it. */
export function datasetFormat(source: DatasetSource, kind?: DatasetKind): DatasetFormat {
  if (kind !== undefined) {
    const format = DATASET_FORMATS.find((f) => f.kind === kind);
    if (!format) throw new UserError(`unknown dataset kind "${kind}" (known: ${DATASET_FORMATS.map((f) => f.kind).join(', ')})`);
    return format;
  }
  const found = DATASET_FORMATS.find((f) => f.detect(source));
  if (!found) throw new UserError(`${source.label} is not a dataset Latticework reads: expected ${DATASET_FORMATS.map((f) => f.description).join('; or ')}`);
  return found;
}

/**
 * Reads a labelled dataset. Rows, frames and files that cannot be used are reported in the result
 * (`failed`, `unlabelled`), not thrown; an empty result is the caller's to refuse (the app says why
 * in its import report).
 */
export async function readDataset(source: DatasetSource, options: DatasetReadOptions & { kind?: DatasetKind }, io: ReaderIO): Promise<DatasetRead> {
  return readAs(datasetFormat(source, options.kind), source, options, io);
}

/** Reads a source as `format`; a kind that finds no file to read there says which kind the source is, when one recognises it. */
export async function readAs(format: DatasetFormat, source: DatasetSource, options: DatasetReadOptions, io: ReaderIO): Promise<DatasetRead> {
  try {
    return await format.read(source, options, io);
  } catch (e) {
    // the kind chosen finds no file to read: the kind these files are, when one recognises them (a CGCNN folder dropped as extended XYZ)
    const fits = e instanceof NoDatasetFileError ? DATASET_FORMATS.find((f) => f !== format && f.detect(source)) : undefined;
    throw fits ? new UserError(`${(e as Error).message}: choose the kind that reads them, ${fits.description}`) : e;
  }
}

/** How many left-out rows or frames the message of a dataset that read nothing names (its failed files: all). */
const UNLABELLED_SHOWN = 10;

/**
 * Why a dataset gave no usable structure (docs/datasets.md): every failed file with its line and
 * problem, then the first left-out rows or frames — the app's import error and `latticework train`'s.
 * `noun`: what was looked for (a potential's frames); `from`: the data's path, when the message names it.
 */
export function nothingUsableMessage(read: Pick<DatasetRead, 'failed' | 'unlabelled'>, noun: 'structure' | 'frame' = 'structure', from?: string): string {
  const why = [...read.failed.map((f) => `${f.file}: ${f.error.message}`), ...read.unlabelled.slice(0, UNLABELLED_SHOWN)];
  const more = read.unlabelled.length - UNLABELLED_SHOWN;
  const reasons = why.length ? ` — ${why.join('; ')}${more > 0 ? `; and ${plural(more, 'more row or frame', 'more rows or frames')} left out` : ''}` : '';
  return `no labelled ${noun} could be read${from === undefined ? '' : ` from ${from}`}${reasons}`;
}
