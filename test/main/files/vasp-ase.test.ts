/**
 * Real VASP outputs (test/fixtures/vasp, from public test corpora) read as ASE 3.22 reads them:
 * the same frames, energies and free energies within 1e-6 eV, the last frame's forces within
 * 1e-6 eV/Å and stress within 1e-7 eV/Å³, species and positions. The golden numbers come from
 * scripts/data/make_vasp_fixtures.py (ASE run on the same files).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bytesToText, decompress } from '../../../src-main/files/compressed';
import { diskCompanions, framesFromBytes } from '../../../src-main/files/structure-file';

const DIR = fileURLToPath(new URL('../../fixtures/vasp/', import.meta.url));

interface Golden {
  file: string;
  error?: string;
  frames: number;
  energy: (number | null)[];
  freeEnergy: (number | null)[];
  species: string[];
  cell: number[][];
  positions: number[][];
  forces: number[][] | null;
  stress: number[] | null;
}

const golden = JSON.parse(readFileSync(join(DIR, 'golden.json'), 'utf8')) as { ase: string; files: Golden[] };

/** A fixture's text, expanded. */
async function readText(rel: string): Promise<string> {
  return bytesToText((await decompress(rel, new Uint8Array(readFileSync(join(DIR, rel))), Infinity)).bytes);
}

async function read(rel: string) {
  const path = join(DIR, rel);
  return framesFromBytes(rel, new Uint8Array(readFileSync(path)), {}, diskCompanions(path));
}

function expectClose(ours: number | null, ref: number | null, tol: number, what: string) {
  if (ref === null) expect(ours, what).toBeNull();
  else {
    expect(ours, what).not.toBeNull();
    expect(Math.abs(ours! - ref), `${what}: ${ours} vs ASE ${ref}`).toBeLessThanOrEqual(tol);
  }
}

describe(`VASP outputs against ASE ${golden.ase}`, () => {
  it('covers vasprun.xml, OUTCAR and XDATCAR from VASP 4.6 to 6.4, with ASE reading all but one', () => {
    const names = golden.files.map((g) => g.file);
    expect(names.filter((n) => /vasprun/.test(n)).length).toBeGreaterThanOrEqual(10);
    expect(names.filter((n) => /OUTCAR/.test(n)).length).toBeGreaterThanOrEqual(7);
    expect(names.filter((n) => /XDATCAR/.test(n)).length).toBeGreaterThanOrEqual(4);
    expect(golden.files.filter((g) => g.error).length).toBe(1);
  });

  for (const g of golden.files.filter((x) => !x.error)) {
    it(g.file, async () => {
      const r = await read(g.file);
      expect(r.frames.length).toBe(g.frames);
      r.frames.forEach((f, i) => {
        expectClose(f.energy, g.energy[i], 1e-6, `energy of frame ${i + 1}`);
        expectClose(f.freeEnergy, g.freeEnergy[i], 1e-6, `free energy of frame ${i + 1}`);
      });
      const last = r.frames[r.frames.length - 1];
      expect(last.structure.species).toEqual(g.species);
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expect(Math.abs(last.structure.lattice![a][b] - g.cell[a][b])).toBeLessThan(1e-9);
      g.positions.forEach((p, i) => p.forEach((x, k) => expect(Math.abs(last.structure.cart[3 * i + k] - x)).toBeLessThan(1e-6)));
      if (g.forces === null) expect(last.forces).toBeNull();
      else g.forces.forEach((f, i) => f.forEach((x, k) => expectClose(last.forces![3 * i + k], x, 1e-6, `force ${i}.${k}`)));
      if (g.stress === null) expect(last.stress).toBeNull();
      else g.stress.forEach((x, k) => expectClose(last.stress![k], x, 1e-7, `stress ${k}`));
    });
  }

  it('reads the OUTCAR ASE 3.22 fails on (its k-point parser asserts) with the same step count as its vasprun', async () => {
    const bad = golden.files.find((g) => g.error)!;
    expect(bad.file).toBe('materialsproject+custodian/io/OUTCAR.gz');
    const outcar = await read(bad.file);
    const vasprun = await read('materialsproject+custodian/io/vasprun.xml.gz');
    expect(outcar.frames.length).toBe(vasprun.frames.length);
    outcar.frames.forEach((f, i) => expectClose(f.energy, vasprun.frames[i].energy, 1e-6, `energy ${i + 1}`));
    expect(outcar.compression).toBe('gzip');
  });

  it("leaves out the step of an OUTCAR one of whose force columns overflowed (****, one field or two glued), naming file, line and atom; no NaN anywhere; ASE's numbers in the other steps (ASE 3.22 fails on the file)", async () => {
    const file = 'materialsproject+custodian/postprocess/OUTCAR.xz';
    const g = golden.files.find((x) => x.file === file)!;
    const lines = (await readText(file)).split('\n');
    // the last step's forces: VASP's format (3F13.5,3X,3F14.6); atom 2's x and y forces over their whole fields,
    // one run of 28 stars (ASE: "could not convert string to float: '****************************'"), then y alone
    const at = lines.map((l, i) => (l.includes('TOTAL-FORCE') ? i : -1)).filter((i) => i >= 0).pop()! + 4;
    const rows = [`${lines[at].slice(0, 42)}${'*'.repeat(28)}${lines[at].slice(70)}`, `${lines[at].slice(0, 56)}${'*'.repeat(14)}${lines[at].slice(70)}`];
    expect(rows).toEqual(['      2.15851      0.51228     -3.75379   ****************************      0.003437', '      2.15851      0.51228     -3.75379        -0.001976**************      0.003437']);
    for (const row of rows) {
      lines[at] = row;
      const r = await framesFromBytes('OUTCAR', new Uint8Array(Buffer.from(lines.join('\n'))));
      expect(r.frames).toHaveLength(g.frames - 1);
      r.frames.forEach((f, i) => expectClose(f.energy, g.energy[i], 1e-6, `energy of frame ${i + 1}`));
      for (const f of r.frames) expect([...f.structure.cart, ...f.forces!].every(Number.isFinite)).toBe(true);
      expect(r.warnings).toEqual([
        `step ${g.frames} of OUTCAR (frame ${g.frames - 1}, counting from 0) left out: line ${at + 1}: the force column of atom 2 (the 3rd) overflowed (VASP printed **** for a force too wide for its field: '${row.trim()}'), so its forces cannot be read`,
      ]);
      expect(r.leftOut).toEqual(r.warnings);
    }
    // a position VASP could not print: the structure cannot be read
    lines[at] = `${lines[at].slice(0, 13)}${'*'.repeat(13)}${lines[at].slice(26)}`;
    await expect(framesFromBytes('OUTCAR', new Uint8Array(Buffer.from(lines.join('\n'))))).rejects.toThrow(
      `line ${at + 1}: the position of atom 2 of ionic step ${g.frames} holds a number VASP could not print`,
    );
  });

  it('says a killed run is incomplete and keeps its complete steps', async () => {
    const xml = await read('derived/vasprun_truncated.xml.gz');
    expect(xml.frames.length).toBe(11);
    expect(xml.warnings.join('\n')).toMatch(/incomplete file: .*11 complete ionic steps read/);
    const outcar = await read('derived/OUTCAR_truncated.bz2');
    expect(outcar.frames.length).toBe(3);
    expect(outcar.warnings.join('\n')).toMatch(/incomplete file/);
    expect(outcar.compression).toBe('bzip2');
  });

  it('an XDATCAR cut short keeps its complete frames wherever the cut is (a frame, a repeated header); a first frame cut short says where the file ends', async () => {
    const cut = async (rel: string, lineCount: number) => {
      const text = (await readText(rel)).split('\n').slice(0, lineCount).join('\n') + '\n';
      return framesFromBytes('XDATCAR', new Uint8Array(Buffer.from(text)));
    };
    // variable cell: frame 1 at lines 1–12, frame 2's header from line 13, its configuration line 20
    const full = await read('derived/XDATCAR_variable_cell');
    for (const [lines, said] of [
      [15, 'the header at line 13'],
      [19, 'the header at line 13'],
      [22, 'the frame at line 20'],
      [20, 'the frame at line 20'],
    ] as const) {
      const r = await cut('derived/XDATCAR_variable_cell', lines);
      expect(r.frames, `cut after line ${lines}`).toHaveLength(1);
      expect(r.frames[0].structure.lattice).toEqual(full.frames[0].structure.lattice);
      expect(Array.from(r.frames[0].structure.cart)).toEqual(Array.from(full.frames[0].structure.cart));
      expect(r.warnings).toEqual([`incomplete file: ${said} is cut short; 1 complete frame read`]);
    }
    // the first frame cut short, variable or fixed cell: the line where the file ends, and how far the frame got
    await expect(cut('derived/XDATCAR_variable_cell', 10)).rejects.toThrow('line 10: the file ends after 2 of 4 atoms of its first frame (the frame at line 8): no complete frame to read');
    await expect(cut('phonopy+phonopy/spectrum/XDATCAR', 9)).rejects.toThrow(/^line 9: the file ends after 1 of \d+ atoms of its first frame \(the frame at line 8\): no complete frame to read$/);
    await expect(cut('derived/XDATCAR_variable_cell', 7)).rejects.toThrow("line 7: the file ends after its header, before the first frame (no 'Direct configuration=' line)");
  });

  it('takes the species of a VASP 4 POSCAR from the POTCAR beside it, and says so', async () => {
    const r = await read('derived/vasp4/POSCAR');
    expect(r.warnings[0]).toMatch(/species .* taken from POTCAR beside the file/);
    const alone = framesFromBytes('POSCAR', new Uint8Array(readFileSync(join(DIR, 'derived/vasp4/POSCAR'))));
    await expect(alone).rejects.toThrow(/no species line/);
  });

  it('takes the species of a VASP 4 POSCAR from a (gzipped) OUTCAR beside it when there is no POTCAR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-vasp4-'));
    copyFileSync(join(DIR, 'derived/vasp4/POSCAR'), join(dir, 'POSCAR'));
    // an OUTCAR's header prints the POTCARs twice
    const potcars = [' POTCAR:    PAW_PBE Fe 06Sep2000', ' POTCAR:    PAW_PBE O 06Sep2000'];
    writeFileSync(join(dir, 'OUTCAR.gz'), gzipSync([' vasp.5.4.4', ...potcars, ...potcars, '   ions per type =               2   2', ''].join('\n')));
    const path = join(dir, 'POSCAR');
    const r = await framesFromBytes('POSCAR', new Uint8Array(readFileSync(path)), {}, diskCompanions(path));
    expect(r.frames[0].structure.species).toEqual(['Fe', 'Fe', 'O', 'O']);
    expect(r.warnings[0]).toMatch(/species Fe, O taken from OUTCAR(\.gz)? beside the file/);
  });

  it("keeps the ab initio steps of a machine-learned force field's training run (steps without electronic steps are its predictions)", async () => {
    const file = 'materialsproject+custodian/io/vasprun.xml.gz';
    const g = golden.files.find((x) => x.file === file)!;
    const text = gunzipSync(readFileSync(join(DIR, file))).toString('latin1');
    // the layout ML_MODE = train writes: ionic step 2 predicted (no <scstep>), steps 1 and 3 ab initio
    const parts = text.split('<calculation>');
    expect(parts).toHaveLength(4);
    const noScsteps = (c: string) => c.replace(/<scstep>[\s\S]*?<\/scstep>/g, '');
    const mixed = [parts[0], parts[1], noScsteps(parts[2]), parts[3]].join('<calculation>');
    const r = await framesFromBytes('vasprun.xml', new Uint8Array(Buffer.from(mixed, 'latin1')));
    expect(r.frames.map((f) => f.freeEnergy)).toEqual([g.freeEnergy[0], g.freeEnergy[2]].map((e) => expect.closeTo(e!, 6)));
    expect(r.warnings.join('\n')).toMatch(/1 ionic step without electronic steps \(predicted by VASP's machine-learned force field\) left out: the frames are the 2 ab initio steps/);
    // a run of the force field alone: every step kept, with a warning whose labels they are
    const alone = await framesFromBytes('vasprun.xml', new Uint8Array(Buffer.from(parts.map((c, i) => (i ? noScsteps(c) : c)).join('<calculation>'), 'latin1')));
    expect(alone.frames).toHaveLength(3);
    expect(alone.warnings.join('\n')).toMatch(/predictions of VASP's machine-learned force field, not DFT labels/);
    // an ordinary run says nothing of the kind
    expect((await read(file)).warnings.join('\n')).not.toMatch(/machine-learned/);
  });

  it('keeps selective-dynamics flags as a site property and the raw forces of fixed atoms', async () => {
    const r = await read('derived/vasprun_selective.xml.xz');
    const sd = r.frames[0].structure.siteProperties.selectiveDynamics;
    expect(sd?.kind).toBe('vector');
    expect(Array.from(sd!.kind === 'vector' ? sd!.values.slice(0, 9) : [])).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    // VASP's force on the fixed atom is kept (ASE's get_forces() would zero it; the golden numbers use apply_constraint=False)
    const f = r.frames[0].forces!;
    expect(Math.hypot(f[0], f[1], f[2])).toBeGreaterThan(1e-4);
  });

  it('follows a cell that changes from step to step (ISIF = 3), in vasprun.xml and in a variable-cell XDATCAR', async () => {
    const xml = await read('materialsproject+custodian/postprocess/vasprun.xml.xz');
    const xdat = await read('derived/XDATCAR_variable_cell');
    expect(xml.format).toBe('vasprun');
    expect(xdat.format).toBe('xdatcar');
    const a0 = xml.frames[0].structure.lattice![0][0];
    expect(xml.frames.some((f) => Math.abs(f.structure.lattice![0][0] - a0) > 1e-4)).toBe(true);
    xdat.frames.forEach((f, i) => expect(Math.abs(f.structure.lattice![0][0] - xml.frames[i].structure.lattice![0][0])).toBeLessThan(1e-5));
  });
});
