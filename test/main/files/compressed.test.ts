/**
 * Compressed structure files read exactly as their originals (a property test over the shared CIFs),
 * damaged or mislabelled ones are refused with a clear message, and labelled frames written as
 * extended XYZ read back exactly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFrames, writeFramesExtxyz } from '../../../src-shared/chem';
import { compressionOf, decompress } from '../../../src-main/files/compressed';
import { framesFromBytes, structuresFromBytes } from '../../../src-main/files/structure-file';
import { bzip2Sync, gzipSync, xzSync } from '../../helpers/compress';
import { shared } from '../../helpers/shared-data';

const CIFS = [
  ...readdirSync(shared('cgcnn-sample-regression')).filter((n) => n.endsWith('.cif')).map((n) => shared('cgcnn-sample-regression', n)),
  ...readdirSync(shared('emt-dev', 'cgcnn')).filter((n) => n.endsWith('.cif')).map((n) => shared('emt-dev', 'cgcnn', n)),
];

const CODECS = {
  gzip: { compress: gzipSync, suffix: '.gz' },
  bzip2: { compress: bzip2Sync, suffix: '.bz2' },
  xz: { compress: xzSync, suffix: '.xz' },
} as const;

describe('compressed files', () => {
  it(`read exactly as their originals (property over ${CIFS.length} shared CIFs, the three codecs, with and without suffix)`, async () => {
    expect(CIFS.length).toBeGreaterThan(2000);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CIFS),
        fc.constantFrom('gzip', 'bzip2', 'xz' as const),
        fc.boolean(),
        async (path, codec, withSuffix) => {
          const original = readFileSync(path);
          const base = path.slice(path.lastIndexOf('/') + 1);
          const packed = new Uint8Array(CODECS[codec].compress(original));
          expect(compressionOf(packed)).toBe(codec);
          const name = withSuffix ? base + CODECS[codec].suffix : base;
          const got = await structuresFromBytes(name, packed);
          const want = await structuresFromBytes(base, new Uint8Array(original));
          expect(want.compression).toBeNull();
          expect(got.compression).toBe(codec);
          expect(got.format).toBe('cif');
          expect(got.structures).toEqual(want.structures);
          expect(got.warnings).toEqual(want.warnings);
        },
      ),
      { numRuns: 45, seed: 12 },
    );
  });

  it('refuse damaged data and names that claim a compression the bytes do not have', async () => {
    const text = readFileSync(CIFS[0]);
    for (const [codec, { compress, suffix }] of Object.entries(CODECS)) {
      const packed = new Uint8Array(compress(text));
      const cut = packed.subarray(0, Math.floor(packed.length / 2));
      await expect(decompress(`x.cif${suffix}`, cut, 1 << 26), codec).rejects.toThrow(new RegExp(`^cannot decompress this ${codec} file: it is damaged or truncated`));
      const flipped = packed.slice();
      flipped[Math.floor(flipped.length * 0.6)] ^= 0x55;
      await expect(decompress(`x.cif${suffix}`, flipped, 1 << 26), codec).rejects.toThrow(`cannot decompress this ${codec} file`);
      await expect(decompress(`x.cif${suffix}`, new Uint8Array(text), 1 << 26)).rejects.toThrow(`the name says ${codec} (${suffix}) but the file is not compressed`);
      await expect(decompress('x.cif', packed, 100)).rejects.toThrow(/expands to more than the limit of 100 bytes \(option --max-bytes\)/);
    }
    await expect(decompress('x.cif.xz', new Uint8Array(gzipSync(text)), 1 << 26)).rejects.toThrow('the name says xz (.xz) but the file is gzip data');
    await expect(structuresFromBytes('POSCAR.gz', new Uint8Array(text))).rejects.toMatchObject({ name: 'StructureParseError', file: 'POSCAR.gz' });
  });

  it('a binary file opened as a structure (an executable named .cif, gzipped or not) is said to be one, as the dataset import says, not a CIF syntax error', async () => {
    const elf = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x0a, 0x64, 0x61, 0x74, 0x61, 0x5f]);
    const said = { name: 'StructureParseError', message: 'is a binary file, not text', line: null };
    await expect(structuresFromBytes('binary.cif', elf)).rejects.toMatchObject({ ...said, file: 'binary.cif' });
    await expect(structuresFromBytes('binary.cif.gz', new Uint8Array(gzipSync(elf)))).rejects.toMatchObject({ ...said, file: 'binary.cif.gz' });
  });

  it('name errors inside a compressed file by the file the user gave', async () => {
    const bad = new Uint8Array(gzipSync(Buffer.from('data_x\nloop_\n_atom_site_label\n_atom_site_fract_x\nA 0.1 0.2\n')));
    await expect(structuresFromBytes('broken.cif.gz', bad)).rejects.toMatchObject({ file: 'broken.cif.gz' });
  });
});

describe('labelled frames as extended XYZ', () => {
  it('round trip exactly in float64 (energies, free energies, forces, stress, cells, positions)', async () => {
    const vasp = await framesFromBytes('OUTCAR.xz', new Uint8Array(readFileSync(new URL('../../fixtures/vasp/materialsproject+custodian/postprocess/OUTCAR.xz', import.meta.url))));
    const text = writeFramesExtxyz(vasp.frames);
    const back = readFrames('back.extxyz', text);
    expect(back.frames).toHaveLength(vasp.frames.length);
    back.frames.forEach((f, i) => {
      const o = vasp.frames[i];
      expect(f.energy).toBe(o.energy);
      expect(f.freeEnergy).toBe(o.freeEnergy);
      expect(f.stress).toEqual(o.stress);
      expect(Array.from(f.forces!)).toEqual(Array.from(o.forces!));
      expect(Array.from(f.structure.cart)).toEqual(Array.from(o.structure.cart));
      expect(f.structure.lattice).toEqual(o.structure.lattice);
      expect(f.structure.species).toEqual(o.structure.species);
    });
    // and again: the text is a fixed point
    expect(writeFramesExtxyz(back.frames)).toBe(text);
    // ASE's names: energy, free_energy, a 3×3 stress, per-atom forces
    expect(text.split('\n')[1]).toMatch(/Properties=species:S:1:pos:R:3:forces:R:3 energy=\S+ free_energy=\S+ stress="(\S+ ){8}\S+" pbc="T T T"/);
  });

  it('write labels read under REF_ keys back under the canonical names, once', () => {
    const src = `1\nLattice="2 0 0 0 2 0 0 0 2" Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=-1.5 config_type=bulk pbc="T T T"\nAl 0 0 0 0 0 0\n`;
    const r = readFrames('a.extxyz', src);
    expect(r.labelSources).toEqual(["energy from 'REF_energy'", "forces from 'REF_forces'"]);
    const out = writeFramesExtxyz(r.frames);
    expect(out).toBe('1\nLattice="2 0 0 0 2 0 0 0 2" Properties=species:S:1:pos:R:3:forces:R:3 config_type=bulk energy=-1.5 pbc="T T T"\nAl 0 0 0 0 0 0\n');
  });
});
