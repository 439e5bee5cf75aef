/** How structures are named, searched and grouped in the Structures and Graph lists (pure, tested). */
import type { StructureRecord } from '../../src-shared/ipc/contract';
import { saysNothing } from '../../src-shared/chem/naming';
import { frameLabel } from './format';

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/**
 * The line under the formula: what tells this structure apart. The file name; the structure's own
 * name when it says more than the file (a dataset id, a POSCAR comment); the frame of a multi-frame
 * file. A name that says nothing (ASE writes every CIF's block as `data_image0`) is left out; CGCNN
 * CIFs in a dataset are named by their id.
 */
export function structureLabel(r: Pick<StructureRecord, 'name' | 'file' | 'block'>): string {
  const file = basename(r.file);
  const stem = file.replace(/\.[^.]+$/, '');
  const parts: string[] = [];
  const frame = typeof r.block === 'number' ? frameLabel(r.block) : null;
  // a frame named by the reader (an XYZ frame without a name of its own is `frame N`) is said once, after the file
  if (!saysNothing(r.name) && r.name !== stem && r.name !== file && r.name !== String(r.block) && r.name !== frame) parts.push(r.name);
  parts.push(file);
  if (frame) parts.push(frame);
  return parts.join(' · ');
}

/** What an import says of a file every structure of which was stored already (it adds nothing to the list). */
export function alreadyStoredNote(f: { file: string; structures: number }): string {
  const file = basename(f.file);
  return f.structures === 1 ? `${file}: its structure is already stored` : `${file}: all ${f.structures} structures already stored`;
}

/** True when a structure matches every word of a search (formula, name, file, space group, dataset). */
export function matchesSearch(r: StructureRecord, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [
    r.formula,
    r.cellFormula,
    r.name,
    r.file,
    `#${r.id}`,
    r.spaceGroup ? `${r.spaceGroup.symbol} ${r.spaceGroup.number} ${r.spaceGroup.crystalSystem}` : 'molecule',
    ...r.datasets.map((d) => d.name),
  ]
    .join(' ')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}

export interface StructureGroup {
  /** 'opened' or `dataset-<id>` */
  key: string;
  title: string;
  items: StructureRecord[];
}

/** Structures opened as files first, then one group per dataset (a structure in two datasets is in both). */
export function groupStructures(items: readonly StructureRecord[], query = ''): StructureGroup[] {
  const opened: StructureRecord[] = [];
  const byDataset = new Map<number, StructureGroup>();
  for (const r of items) {
    if (!matchesSearch(r, query)) continue;
    if (r.datasets.length === 0) opened.push(r);
    for (const d of r.datasets) {
      let g = byDataset.get(d.id);
      if (!g) byDataset.set(d.id, (g = { key: `dataset-${d.id}`, title: d.name, items: [] }));
      g.items.push(r);
    }
  }
  const groups = [...byDataset.values()];
  return opened.length > 0 || groups.length === 0 ? [{ key: 'opened', title: 'Opened files', items: opened }, ...groups] : groups;
}
