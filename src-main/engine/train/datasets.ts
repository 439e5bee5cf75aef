/**
 * Labelled datasets from disk, for `latticework train` and the benchmarks:
 *
 * - a CGCNN folder (`id_prop.csv` with `id,target[,target...]` rows, `<id>.cif` files,
 *   optionally `atom_init.json`), read exactly as CGCNN's CIFData does (row order
 *   of id_prop.csv; its shuffle is replaced by our seeded split);
 * - an extended XYZ file with a per-frame target key (e.g. `energy_per_atom`), or a
 *   per-atom array key (e.g. `charge`, or `forces` width 3) for per-atom heads.
 *
 * Then `samplesFromDataset` builds every graph once with the model's own graph
 * settings (cutoff, neighbour cap, CGCNN padding, Gaussian expansion).
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readStructures } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem/structure';
import { parseAtomInit, type AtomInitTable } from '../../../src-shared/graph/features';
import { buildGraph } from '../../../src-shared/graph/graph';
import type { ModelConfig } from '../../../src-shared/model/config';
import { graphOptionsFromConfig } from '../../../src-shared/model/graph-options';
import type { TrainingSample } from './trainer';

export interface LabelledDataset {
  /** Folder or file it came from. */
  source: string;
  ids: string[];
  structures: Structure[];
  /** Per structure: graph targets, or per-atom values (nSites × width, row-major). */
  targets: number[][];
  /** Targets per structure (graph) or per atom. */
  targetWidth: number;
  perAtom: boolean;
  targetName: string;
  /** The folder's atom_init.json, when it has one. */
  atomInit: AtomInitTable | null;
}

export interface LoadOptions {
  /** extended XYZ: per-frame property (graph target) or per-atom array (per-atom target). Default `energy_per_atom`. */
  targetKey?: string;
  /** Read at most this many structures (in file order). */
  limit?: number;
}

/** Loads a CGCNN folder or an extended XYZ file. */
export function loadDataset(path: string, opts: LoadOptions = {}): LabelledDataset {
  if (!existsSync(path)) throw new Error(`no such file or folder: ${path}`);
  return statSync(path).isDirectory() ? loadCgcnnFolder(path, opts) : loadExtxyz(path, opts);
}

export function loadCgcnnFolder(dir: string, opts: LoadOptions = {}): LabelledDataset {
  const csv = join(dir, 'id_prop.csv');
  if (!existsSync(csv)) throw new Error(`${dir} is not a CGCNN dataset folder: id_prop.csv is missing`);
  const rows = readFileSync(csv, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(',').map((x) => x.trim()));
  const limited = opts.limit ? rows.slice(0, opts.limit) : rows;
  const ids: string[] = [];
  const structures: Structure[] = [];
  const targets: number[][] = [];
  let width = -1;
  limited.forEach((r, line) => {
    const [id, ...vals] = r;
    const t = vals.map(Number);
    if (t.length === 0 || t.some((v) => !Number.isFinite(v))) throw new Error(`id_prop.csv line ${line + 1}: expected "id,target", got "${r.join(',')}"`);
    if (width >= 0 && t.length !== width) throw new Error(`id_prop.csv line ${line + 1}: ${t.length} targets, earlier rows have ${width}`);
    width = t.length;
    const file = join(dir, `${id}.cif`);
    if (!existsSync(file)) throw new Error(`id_prop.csv line ${line + 1}: ${id}.cif not found in ${dir}`);
    const res = readStructures(file, readFileSync(file, 'utf8'), { format: 'cif' });
    if (res.structures.length === 0) throw new Error(`${id}.cif holds no structure`);
    ids.push(id);
    structures.push(res.structures[0]);
    targets.push(t);
  });
  const ai = join(dir, 'atom_init.json');
  return {
    source: dir,
    ids,
    structures,
    targets,
    targetWidth: width,
    perAtom: false,
    targetName: 'id_prop',
    atomInit: existsSync(ai) ? parseAtomInit(readFileSync(ai, 'utf8')) : null,
  };
}

export function loadExtxyz(file: string, opts: LoadOptions = {}): LabelledDataset {
  const key = opts.targetKey ?? 'energy_per_atom';
  const res = readStructures(file, readFileSync(file, 'utf8'), { format: 'xyz' });
  const frames = opts.limit ? res.structures.slice(0, opts.limit) : res.structures;
  if (frames.length === 0) throw new Error(`${file} holds no structures`);
  const first = frames[0];
  const perAtom = !(key in first.properties) && key in first.siteProperties;
  if (!perAtom && !(key in first.properties)) {
    const known = [...Object.keys(first.properties), ...Object.keys(first.siteProperties)].join(', ');
    throw new Error(`target key "${key}" is not in the first frame of ${file} (it has: ${known})`);
  }
  let width = -1;
  const targets = frames.map((s, i) => {
    let t: number[];
    if (perAtom) {
      const p = s.siteProperties[key];
      if (!p || p.kind === 'string') throw new Error(`frame ${i}: per-atom key "${key}" missing or not numeric`);
      t = Array.from(p.values);
      const w = p.kind === 'vector' ? p.width : 1;
      if (width >= 0 && w !== width) throw new Error(`frame ${i}: "${key}" has width ${w}, earlier frames ${width}`);
      width = w;
    } else {
      const v = s.properties[key];
      const arr = Array.isArray(v) ? v.map(Number) : [Number(v)];
      if (arr.some((x) => !Number.isFinite(x))) throw new Error(`frame ${i}: "${key}" = ${String(v)} is not numeric`);
      if (width >= 0 && arr.length !== width) throw new Error(`frame ${i}: "${key}" has ${arr.length} values, earlier frames ${width}`);
      width = arr.length;
      t = arr;
    }
    return t;
  });
  const ids = frames.map((s, i) => (typeof s.properties.id === 'string' ? s.properties.id : `${i}`));
  return { source: file, ids, structures: frames, targets, targetWidth: width, perAtom, targetName: key, atomInit: null };
}

/**
 * Graphs for every structure, with the config's graph settings. Classification targets
 * must be class indices (0..C-1). `atomInit` is used for CGCNN atom inputs (the
 * dataset's own table, else the one given).
 */
export function samplesFromDataset(config: ModelConfig, data: LabelledDataset, atomInit?: AtomInitTable | null): TrainingSample[] {
  const opts = graphOptionsFromConfig(config, data.atomInit ?? atomInit ?? undefined);
  return data.structures.map((s, i) => ({ id: data.ids[i], graph: buildGraph(s, opts), target: data.targets[i] }));
}
