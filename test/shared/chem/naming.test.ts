/** The name column of `latticework predict` (src-shared/chem/naming.ts): a structure's own name unless it says nothing (ASE's data_image0), else its file's stem. */
import { describe, expect, it } from 'vitest';
import { fileStem, structureName } from '../../../src-shared/chem/naming';

describe('the name of a structure in a listing of files', () => {
  it('is the file stem without folders, compression and format extension', () => {
    expect(fileStem('screen/more/mp-1234.cif')).toBe('mp-1234');
    expect(fileStem('C:\\data\\mp-1234.cif.gz')).toBe('mp-1234');
    expect(fileStem('Cu.relax.vasp.xz')).toBe('Cu.relax');
    expect(fileStem('POSCAR')).toBe('POSCAR');
    expect(fileStem('CONTCAR.bz2')).toBe('CONTCAR');
  });

  it('keeps a name that tells the structure apart', () => {
    expect(structureName('NaCl', 'a/mp-22862.cif')).toBe('NaCl');
    expect(structureName('frame 3', 'md.extxyz')).toBe('frame 3');
    expect(structureName('imagery', 'x.cif')).toBe('imagery');
  });

  it('replaces an empty name and ASE’s generic data_image<N> by the file stem (the image number after the first)', () => {
    expect(structureName('image0', 'screen/emt-00001.cif')).toBe('emt-00001');
    expect(structureName('', 'POSCAR.gz')).toBe('POSCAR');
    expect(structureName('  ', 'mp-1.cif')).toBe('mp-1');
    expect(structureName('image2', 'relax.cif')).toBe('relax image2');
  });
});
