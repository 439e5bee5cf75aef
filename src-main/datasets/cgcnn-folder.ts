/**
 * A CGCNN folder, as CGCNN's CIFData reads it: `id_prop.csv` (the table rule of table.ts: an id,
 * then targets), `<id>.cif` per row (or `<id>.cif.gz`, `.bz2`, `.xz`), optionally `atom_init.json` (the folder's atom embedding).
 * Rows keep id_prop.csv's order.
 */
import type { FileFailure } from '../../src-shared/ipc/contract';
import { groupThousands } from '../../src-shared/text';
import { UserError } from '../ipc/errors';
import { firstStructures, named, structureText } from './files';
import { readTable, repeatedRow, rowLabel, rowTargets, type RowsByName } from './table';
import type { DatasetFormat, LabelledItem } from './types';

/** id_prop.csv rows between two progress reports while their CIFs are loaded. */
const LOAD_REPORT = 100;

export const cgcnnFolder: DatasetFormat = {
  kind: 'cgcnn-folder',
  description: 'a CGCNN folder (id_prop.csv, <id>.cif, optional atom_init.json)',
  detect: (src) => src.file === null && src.names.includes('id_prop.csv'),
  async read(src, options, io) {
    if (src.file !== null) throw new UserError(`${src.label} is a file: a CGCNN dataset is a folder (id_prop.csv, <id>.cif, optional atom_init.json)`);
    io.progress(0, null, 'reading id_prop.csv');
    const idProp = await src.text('id_prop.csv');
    if (idProp === null) throw new UserError('this is not a CGCNN folder: there is no id_prop.csv');
    const atomInit = await src.text('atom_init.json');
    const table = readTable(idProp, 'id_prop.csv', options.target);
    const failed: FileFailure[] = [];
    const unlabelled: string[] = [];
    const listed = new Set<string>();
    const rows: { name: string; file: string; targets: number[] }[] = [];
    const texts = new Map<string, string>();
    const seen: RowsByName = new Map();
    // an id's CIF: <id>.cif, or compressed (<id>.cif.gz, .bz2, .xz: read through src.text, which decompresses)
    const present = new Set(src.names);
    const cifOf = (id: string) => [`${id}.cif`, `${id}.cif.gz`, `${id}.cif.bz2`, `${id}.cif.xz`].find((f) => present.has(f)) ?? `${id}.cif`;
    // the CIFs are loaded one by one before they are parsed (seconds for thousands): counted by id_prop.csv's rows
    const total = options.limit === undefined ? table.body.length : Math.min(options.limit, table.body.length);
    for (const [i, { line, cells }] of table.body.entries()) {
      if (options.limit !== undefined && rows.length >= options.limit) break;
      if (i % LOAD_REPORT === 0) io.progress(i, total, `loading the files id_prop.csv names: ${groupThousands(i)} of ${groupThousands(total)}`);
      const id = cells[0];
      if (!id) continue;
      // the row names its CIF even when it is left out: that CIF is not one "not in id_prop.csv"
      const file = cifOf(id);
      listed.add(file);
      const targets = rowTargets({ line, cells }, table.columns);
      if (typeof targets === 'string') {
        unlabelled.push(`line ${line} (${cells.length < 2 ? 'expected an id and a target' : targets})`);
        continue;
      }
      const repeat = repeatedRow(seen, id, { line, cells }, targets, table.columns);
      if (repeat !== null) {
        unlabelled.push(repeat);
        continue;
      }
      const label = rowLabel(id, line);
      const text = await structureText(src, file, failed);
      // a file refused by the path guard is in `failed`, with its reason
      if (text === false) continue;
      if (text === null) {
        unlabelled.push(`${label} (no file ${label === id ? file : 'for this id'})`);
        continue;
      }
      texts.set(file, text);
      rows.push({ name: id, file, targets });
    }
    // a whole folder was read: CIFs that no row names are worth a line in the report
    if (options.limit === undefined) for (const n of src.names) if (/\.cif(\.gz|\.bz2|\.xz)?$/i.test(n) && !listed.has(n)) unlabelled.push(`${n} (not in id_prop.csv)`);
    const byFile = firstStructures(await io.parse([...texts].map(([name, text]) => ({ name, text })), 'files'), failed);
    const items: LabelledItem[] = rows.filter((r) => byFile.has(r.file)).map((r) => ({ ...r, sourceFile: r.file, format: 'cif', parsed: named(byFile.get(r.file)!, r.name) }));
    return {
      kind: 'cgcnn-folder',
      source: src.label,
      items,
      targetKey: table.names.join(', '),
      targetNames: table.names,
      perAtomTarget: null,
      perAtomKeys: [],
      atomInit,
      failed,
      unlabelled,
      unlabelledCount: unlabelled.length,
    };
  },
};
