/**
 * Extended XYZ frames (one file, or every .xyz/.extxyz of a folder, in name order), each frame a
 * labelled structure. The target is a per-frame property (a number, or a list of numbers: one
 * target per component) or a per-atom array (forces, charges: a per-atom target). Default:
 * `energy_per_atom` when a frame has it, else `energy`. Frames without the target are left out
 * and reported. A frame's name is its `id` property, else its index (`file:index` when several
 * files are read).
 */
import { splitXyzFrames, xyzFlatCells } from '../../src-shared/chem';
import type { FileFailure } from '../../src-shared/ipc/contract';
import { labelMagnitudeProblem } from '../../src-shared/numbers';
import { UserError } from '../ipc/errors';
import type { ParsedFileStructure } from '../workers/tasks';
import { firstStructures, named, numericSiteKeys, structureText } from './files';
import { safeLabel } from './table';
import type { DatasetFormat, LabelledItem, StructureText } from './types';
import { noDatasetFile } from './source';

const isXyz = (n: string) => /\.(ext)?xyz$/i.test(n);

/** A per-frame property as target values, or null when the frame has none (or it is not numeric). */
function frameValues(p: ParsedFileStructure, key: string): number[] | null {
  const v = p.structure.properties[key];
  const values = Array.isArray(v) ? v : [v];
  return values.length > 0 && values.every((x) => typeof x === 'number' && Number.isFinite(x)) ? (values as number[]) : null;
}

/** The keys that could be a target: numeric per-frame properties, then numeric per-atom arrays (of the first frames). */
function targetKeys(frames: ParsedFileStructure[]): string[] {
  const keys = new Set<string>();
  for (const p of frames.slice(0, 20)) {
    for (const k of Object.keys(p.structure.properties)) if (frameValues(p, k) !== null) keys.add(safeLabel(k, '?'));
    for (const [k, v] of Object.entries(p.structure.siteProperties)) if (v.kind !== 'string') keys.add(`${safeLabel(k, '?')} (per atom)`);
  }
  return [...keys];
}

/**
 * The target key: the one asked for, else energy_per_atom, else energy. With no frame read (a binary,
 * not an XYZ) it is energy_per_atom unasked: the files' failures say why nothing was read, not a key.
 */
function pickTarget(frames: ParsedFileStructure[], option: string | undefined): string {
  if (option) return option;
  if (frames.length === 0) return 'energy_per_atom';
  for (const key of ['energy_per_atom', 'energy']) if (frames.some((p) => frameValues(p, key) !== null)) return key;
  const keys = targetKeys(frames);
  throw new UserError(`the frames have neither energy_per_atom nor energy: give the target key${keys.length ? ` (the frames have: ${keys.join(', ')})` : ' (the frames have no numeric property or per-atom array)'}`);
}

export const extxyzFrames: DatasetFormat = {
  kind: 'extxyz',
  description: 'extended XYZ frames with a per-frame or per-atom target',
  detect: (src) => (src.file !== null ? isXyz(src.file) : !src.names.includes('id_prop.csv') && src.names.some(isXyz)),
  async read(src, options, io) {
    const fileNames = src.file !== null ? [src.file] : src.names.filter(isXyz);
    if (fileNames.length === 0) throw noDatasetFile(src, '.xyz/.extxyz file', isXyz);
    const failed: FileFailure[] = [];
    // each frame parsed on its own, named `k/file` so that the reader takes it as its file's format (an XYZ),
    // with its file's flat-cell extents: the frames given one flat cell share the cell made for the file
    const pieces: (StructureText & { file: string; index: number; line: number })[] = [];
    for (const n of fileNames) {
      const text = await structureText(src, n, failed);
      if (text === null || text === false) continue;
      const frames = splitXyzFrames(text);
      const flatCells = xyzFlatCells(frames.map((f) => f.text));
      for (const [k, { text: frame, line }] of frames.entries()) {
        if (options.limit !== undefined && pieces.length >= options.limit) break;
        pieces.push({ name: `${k}/${n}`, text: frame, flatCells: flatCells[k], file: n, index: k, line });
      }
    }
    const frameFailures: FileFailure[] = [];
    const byFile = firstStructures(await io.parse(pieces, 'frames'), frameFailures);
    // a frame that fails is said as its file's, at the file's line ("line 1: expected the number of atoms …" of junk text)
    const pieceNamed = new Map(pieces.map((p) => [p.name, p]));
    for (const f of frameFailures) {
      const piece = pieceNamed.get(f.file)!;
      const line = f.error.line === null ? null : piece.line + f.error.line - 1;
      failed.push({ file: piece.file, error: { ...f.error, line, message: line === null ? f.error.message : f.error.message.replace(/^line \d+: /, `line ${line}: `) } });
    }
    const frames = pieces.filter((f) => byFile.has(f.name)).map((f) => ({ file: f.file, index: f.index, parsed: byFile.get(f.name)! }));
    const key = pickTarget(
      frames.map((f) => f.parsed),
      options.target,
    );
    const perFrame = frames.some((f) => key in f.parsed.structure.properties);
    const site = frames.find((f) => f.parsed.structure.siteProperties[key])?.parsed.structure.siteProperties[key];
    let perAtomTarget: { key: string; width: number } | null = null;
    if (!perFrame && site) {
      if (site.kind === 'string') throw new UserError(`"${key}" is a per-atom array of text, not of numbers: it cannot be a target`);
      perAtomTarget = { key, width: site.kind === 'vector' ? site.width : 1 };
    }
    const unlabelled: string[] = [];
    const items: LabelledItem[] = [];
    let width = -1;
    for (const { file: fileName, index, parsed } of frames) {
      const id = parsed.structure.properties.id;
      const name = typeof id === 'string' ? id : `${fileNames.length > 1 ? `${fileName}:` : ''}${index}`;
      const shown = safeLabel(name, `frame ${index}${fileNames.length > 1 ? ` of ${fileName}` : ''}`);
      let targets: number[] = [];
      if (perAtomTarget) {
        const p = parsed.structure.siteProperties[key];
        const w = p && p.kind !== 'string' ? (p.kind === 'vector' ? p.width : 1) : 0;
        if (w !== perAtomTarget.width) {
          unlabelled.push(`${shown} (${w === 0 ? `no ${key}` : `${key} has ${w} values per atom, earlier frames ${perAtomTarget.width}`})`);
          continue;
        }
      } else {
        const values = frameValues(parsed, key);
        if (values === null) {
          unlabelled.push(`${shown} (no ${key})`);
          continue;
        }
        const huge = values.find((v) => labelMagnitudeProblem(v) !== null);
        if (huge !== undefined) {
          unlabelled.push(`${shown} (${key} is ${huge}, ${labelMagnitudeProblem(huge)})`);
          continue;
        }
        if (width >= 0 && values.length !== width) {
          unlabelled.push(`${shown} (${key} has ${values.length} values, earlier frames ${width})`);
          continue;
        }
        width = values.length;
        targets = values;
      }
      // parsed on its own, the frame is the reader's frame 0: its warnings name it as the file's frame
      const warnings = parsed.warnings.map((w) => w.replace(/^frame 0: /, `frame ${index}: `));
      items.push({ name, file: `${fileName}#${index}`, sourceFile: fileName, format: 'xyz', parsed: named({ ...parsed, warnings }, name, index), targets });
    }
    if (frames.length > 0 && !perFrame && !site) {
      const keys = targetKeys(frames.map((f) => f.parsed));
      throw new UserError(`no frame has "${safeLabel(key, 'the key given')}": it is neither a per-frame property nor a per-atom array of these frames — ${keys.length ? `the keys there are: ${keys.join(', ')}` : 'the frames have no numeric property or per-atom array'}`);
    }
    const targetNames = perAtomTarget ? [] : width > 1 ? Array.from({ length: width }, (_, k) => `${key}[${k}]`) : [key];
    return {
      kind: 'extxyz',
      source: src.label,
      items,
      targetKey: key,
      targetNames,
      perAtomTarget,
      perAtomKeys: numericSiteKeys(items.map((i) => i.parsed)),
      atomInit: null,
      failed,
      unlabelled,
      unlabelledCount: unlabelled.length,
    };
  },
};
