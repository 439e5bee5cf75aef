/**
 * A CSV of structure files and targets (the table rule of table.ts), beside the structure files:
 * column 1 names a file, exactly or without its extension (.cif, .vasp, .poscar, .xyz, .extxyz).
 * The table is the file the user named (whatever its extension), else the folder's (or the
 * dropped files') one `.csv`: a folder with several is refused, naming them (which one is meant
 * is the user's to say).
 */
import type { FileFailure } from '../../src-shared/ipc/contract';
import { UserError } from '../ipc/errors';
import { firstStructures, named, structureText } from './files';
import { readTable, repeatedRow, rowLabel, rowTargets, type RowsByName } from './table';
import type { DatasetFormat, LabelledItem } from './types';
import { noDatasetFile } from './source';

const STRUCTURE_EXTENSIONS = ['.cif', '.vasp', '.poscar', '.xyz', '.extxyz'];
const isCsv = (n: string) => /\.csv$/i.test(n);

export const csvTable: DatasetFormat = {
  kind: 'csv',
  description: 'a CSV of structure file names and targets, beside the files',
  detect: (src) => (src.file !== null ? isCsv(src.file) : !src.names.includes('id_prop.csv') && src.names.some(isCsv)),
  async read(src, options, io) {
    // the file the user named is the table, whatever its extension
    const tables = src.file !== null ? [src.file] : src.names.filter(isCsv);
    if (tables.length > 1) throw new UserError(`${src.label} holds ${tables.length} tables (${tables.join(', ')}) and a dataset is read with one: give the one to read (its path as --data, or drop it alone with the structure files)`);
    const csvName = tables[0];
    if (csvName === undefined) throw noDatasetFile(src, '.csv file', isCsv);
    const text = await src.text(csvName);
    if (text === null) throw new UserError(`cannot read ${csvName}`);
    const table = readTable(text, csvName, options.target);
    const failed: FileFailure[] = [];
    const unlabelled: string[] = [];
    const rows: { name: string; file: string; targets: number[] }[] = [];
    const texts = new Map<string, string>();
    const seen: RowsByName = new Map();
    for (const { line, cells } of table.body) {
      if (options.limit !== undefined && rows.length >= options.limit) break;
      const name = cells[0];
      if (!name) continue;
      const targets = rowTargets({ line, cells }, table.columns);
      if (typeof targets === 'string') {
        unlabelled.push(`line ${line} (${targets})`);
        continue;
      }
      const repeat = repeatedRow(seen, name, { line, cells }, targets, table.columns);
      if (repeat !== null) {
        unlabelled.push(repeat);
        continue;
      }
      // the first candidate that is there; one refused by the path guard is in `failed`, with its reason
      let file: string | null | false = null;
      for (const candidate of [name, ...STRUCTURE_EXTENSIONS.map((e) => name + e)]) {
        const known = texts.get(candidate) ?? (await structureText(src, candidate, failed));
        if (known === false) {
          file = false;
          break;
        }
        if (known !== null) {
          texts.set(candidate, known);
          file = candidate;
          break;
        }
      }
      if (file === false) continue;
      if (file === null) {
        unlabelled.push(`${rowLabel(name, line)} (no file)`);
        continue;
      }
      rows.push({ name, file, targets });
    }
    const byFile = firstStructures(await io.parse([...texts].map(([name, t]) => ({ name, text: t })), 'files'), failed);
    const items: LabelledItem[] = rows
      .filter((r) => byFile.has(r.file))
      .map((r) => ({ ...r, sourceFile: r.file, format: /\.cif$/i.test(r.file) ? 'cif' : 'structure', parsed: named(byFile.get(r.file)!, r.name) }));
    return {
      kind: 'csv',
      source: src.label,
      items,
      targetKey: table.names.join(', '),
      targetNames: table.names,
      perAtomTarget: null,
      perAtomKeys: [],
      atomInit: null,
      failed,
      unlabelled,
      unlabelledCount: unlabelled.length,
    };
  },
};
