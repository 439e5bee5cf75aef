/**
 * A structure file's format from its name or first lines, in a module of its own: listing a folder of
 * structure files (the screening command) needs it before, and without, the readers.
 */
import type { StructureFormat } from './options';

function baseName(fileName: string): string {
  const i = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return fileName.slice(i + 1);
}

/**
 * The files `detectFormat` and the readers behind it know, in words for the user (the drop overlay, the
 * empty viewer): written here, next to the rules, so that a new format is named where it is added.
 */
export const READABLE_FILES = 'CIF, POSCAR/CONTCAR, XYZ and extended XYZ, vasprun.xml, OUTCAR, XDATCAR, ASE .db and .traj (also .gz, .bz2, .xz)';

/**
 * The format of a file from its name (`*.cif`, `*.mcif`; `vasprun*` / `*.xml` holding a vasprun,
 * `*OUTCAR*`, `*XDATCAR*`; `POSCAR*`, `CONTCAR*`, `*.vasp`, `*.poscar`; `*.xyz`, `*.extxyz`; `*.db` an
 * ASE database, `*.traj` an ASE trajectory),
 * else from its content; null when neither tells. A compressed file is named by its inner name
 * (`CONTCAR.relax1.gz` → `CONTCAR.relax1`): the caller strips the compression suffix.
 */
export function detectFormat(fileName: string, text: string): StructureFormat | null {
  const base = baseName(fileName).toLowerCase();
  const dot = base.lastIndexOf('.');
  const ext = dot >= 0 ? base.slice(dot + 1) : '';
  const head = text.slice(0, 4096);
  if (ext === 'cif' || ext === 'mcif' || ext === 'mmcif') return 'cif';
  if (ext === 'xyz' || ext === 'extxyz') return 'xyz';
  if (ext === 'db' || head.startsWith('SQLite format 3')) return 'ase-db';
  if (ext === 'traj' || head.startsWith('- of Ulm') || head.startsWith('AFFormat')) return 'ase-traj';
  if (base.includes('vasprun') || (ext === 'xml' && head.includes('<modeling'))) return 'vasprun';
  if (base.includes('outcar')) return 'outcar';
  if (base.includes('xdatcar')) return 'xdatcar';
  if (ext === 'vasp' || ext === 'poscar' || ext === 'contcar' || base.includes('poscar') || base.includes('contcar')) {
    return 'poscar';
  }
  // Content sniffing on the first lines.
  if (/^\s*<\?xml/.test(head) && head.includes('<modeling')) return 'vasprun';
  if (/^\s*vasp\.\d/.test(head) && head.includes('POTCAR:')) return 'outcar';
  if (/^\s*data_/im.test(head) || head.startsWith('#\\#CIF')) return 'cif';
  const lines = head.split('\n', 10).map((l) => l.trim());
  if (/^\d+$/.test(lines[0] ?? '') && lines.length >= 2) return 'xyz';
  const isNums = (l: string | undefined, k: number) => {
    const w = (l ?? '').split(/\s+/);
    return w.length >= k && w.slice(0, k).every((x) => x !== '' && Number.isFinite(Number(x)));
  };
  if (isNums(lines[1], 1) && isNums(lines[2], 3) && isNums(lines[3], 3) && isNums(lines[4], 3)) {
    return lines.slice(6, 9).some((l) => /configuration=/i.test(l)) ? 'xdatcar' : 'poscar';
  }
  return null;
}
