/**
 * The name a structure goes by in a listing of many files (the `name` column of `latticework
 * predict`): its own name when it has one that tells it apart, else its file's stem. A module of its
 * own, like detect.ts: the screening command prints names without loading the readers.
 */

/** ASE writes every CIF's data block as `data_image<N>` (N: the image's index in the file). */
const ASE_IMAGE = /^image(\d+)$/;

/** A file name without its compression suffix (.gz, .bz2, .xz): `CONTCAR.relax1.gz` → `CONTCAR.relax1`. */
export function withoutCompression(fileName: string): string {
  return fileName.replace(/\.(gz|bz2|xz)$/i, '');
}

/** A file's name without folders, compression suffix and structure-format extension: `a/mp-1234.cif.gz` → `mp-1234`, `POSCAR` → `POSCAR`. */
export function fileStem(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  const stem = withoutCompression(base).replace(/\.(cif|mcif|mmcif|vasp|poscar|contcar|xyz|extxyz|xml|db)$/i, '');
  return stem || base;
}

/** True when a structure's own name says nothing about it: empty, or ASE's generic `image<N>`. */
export function saysNothing(name: string): boolean {
  const own = name.trim();
  return !own || ASE_IMAGE.test(own);
}

/**
 * The structure's own name (a CIF's data block, a POSCAR's comment line, a trajectory's `frame 3`)
 * unless it {@link saysNothing} — then the file's stem, followed by the image number for an image
 * after the first (`mp-1234`, `mp-1234 image1`).
 */
export function structureName(name: string, fileName: string): string {
  const own = name.trim();
  if (!saysNothing(own)) return own;
  const image = ASE_IMAGE.exec(own);
  const stem = fileStem(fileName);
  return image && Number(image[1]) > 0 ? `${stem} image${Number(image[1])}` : stem;
}
