/**
 * VASP `XDATCAR`: every frame of a relaxation or molecular-dynamics run (positions only, no
 * energies), as ASE 3.22's `read_vasp_xdatcar` reads it.
 *
 * Header as a POSCAR (comment, scale, three lattice rows, species line, counts), then one block
 * per frame: `Direct configuration=  N` and one line of fractional coordinates per atom. With a
 * variable cell (ISIF = 3 MD, VASP ≥ 5.4) the header is repeated before every frame, and each frame
 * takes its own cell. A header without a species line (VASP 4 style) takes the species from the
 * caller (`species`, e.g. from a POTCAR beside the file) or from the comment line. A frame or a
 * repeated header cut short (a killed run) ends the trajectory with a warning, the complete frames
 * before it kept; a file whose first frame is cut short is an error saying where it ends.
 */
import { elementSymbol } from './elements';
import { StructureParseError, StructureWriteError } from './errors';
import { cartToFrac, determinant, fmtNumber, fracToCart } from './lattice';
import type { ResolvedReadOptions } from './options';
import type { Mat3, Structure } from './structure';
import { speciesNumbers, vaspSpeciesAndCounts } from './vasp-common';
import { parseNumberRow, type FramesRead, type ParsedFrame } from './vasprun';

const WS = /\s+/;

function words(line: string | undefined): string[] {
  const t = (line ?? '').trim();
  return t === '' ? [] : t.split(WS);
}

export function readXdatcar(text: string, file: string, opt: ResolvedReadOptions): FramesRead {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const nl = lines.length;
  const frames: ParsedFrame[] = [];
  const warnings: string[] = [];
  let lattice: Mat3 | null = null;
  let numbers: Int32Array | null = null;
  let li = 0;
  const fail = (line: number, reason: string): never => {
    throw new StructureParseError(file, line, reason);
  };
  const isConfiguration = (line: string) => /configuration=|Konfig=/i.test(line);
  const cutShort = (what: string) => warnings.push(`incomplete file: ${what} is cut short; ${frames.length} complete frame${frames.length === 1 ? '' : 's'} read`);
  while (li < nl) {
    const first = lines[li];
    if (!isConfiguration(first)) {
      // A header: comment, scale, lattice, [species], counts. A repeated one (variable cell) that ends
      // the file, at most a header long and with no frame after it, is where a killed run stopped
      // writing: the frames before it are kept.
      if (frames.length > 0 && nl - li <= 7 && !lines.slice(li).some(isConfiguration)) {
        cutShort(`the header at line ${li + 1}`);
        break;
      }
      if (li + 6 > nl) fail(nl, 'the file ends inside a header (comment, scale, 3 lattice rows, species, counts)');
      const headerLine = li + 1;
      const comment = first.trim();
      const sw = words(lines[li + 1]);
      const scale = Number(sw[0]);
      if (sw.length === 0 || !Number.isFinite(scale) || scale === 0) {
        fail(li + 2, `expected the scale factor here, found '${(lines[li + 1] ?? '').trim().slice(0, 40)}'${li === 0 ? '' : ' (or a configuration line)'}`);
      }
      const raw: number[][] = [];
      for (let r = 0; r < 3; r++) {
        const w = parseNumberRow(lines[li + 2 + r]);
        if (w.length < 3 || w.slice(0, 3).some((x) => !Number.isFinite(x))) fail(li + 3 + r, `lattice vector ${'abc'[r]} needs 3 numbers`);
        raw.push(w);
      }
      let lat: Mat3 = [
        [raw[0][0], raw[0][1], raw[0][2]],
        [raw[1][0], raw[1][1], raw[1][2]],
        [raw[2][0], raw[2][1], raw[2][2]],
      ];
      const det = determinant(lat);
      if (!(Math.abs(det) > 1e-8)) fail(li + 3, 'the lattice vectors are linearly dependent (zero cell volume)');
      const s = scale < 0 ? Math.cbrt(-scale / Math.abs(det)) : scale;
      lat = lat.map((row) => row.map((x) => x * s)) as Mat3;
      const { names, counts, next } = vaspSpeciesAndCounts(lines, li + 5, comment, opt, file, 'XDATCAR', warnings);
      const k = next - 1;
      const perAtom: string[] = [];
      counts.forEach((c, i) => {
        for (let j = 0; j < c; j++) perAtom.push(names![i]);
      });
      if (perAtom.length === 0) fail(k + 1, 'the atom counts add up to 0');
      if (perAtom.length > opt.maxAtoms) fail(k + 1, `${perAtom.length} atoms, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
      const z = speciesNumbers(perAtom, file, headerLine);
      if (numbers && frames.length > 0 && (z.length !== numbers.length || z.some((v, i) => v !== numbers![i]))) {
        fail(headerLine, 'the atoms change from one header to the next; an XDATCAR holds one set of atoms');
      }
      numbers = z;
      lattice = lat;
      li = k + 1;
      if (li >= nl) fail(nl, "the file ends after its header, before the first frame (no 'Direct configuration=' line)");
      if (!isConfiguration(lines[li])) fail(li + 1, `expected 'Direct configuration=' here, found '${lines[li].trim().slice(0, 40)}'`);
    }
    // A frame.
    if (!lattice || !numbers) fail(li + 1, 'a configuration before any header (comment, scale, lattice, species, counts)');
    const n = numbers!.length;
    const confLine = li + 1;
    if (/cart/i.test(lines[li]) && !/direct/i.test(lines[li])) fail(confLine, 'Cartesian configurations are not supported in an XDATCAR (VASP writes Direct ones)');
    const frac = new Float64Array(3 * n);
    // atoms read before the file ends (no line left, or a last line cut in the middle)
    let read = n;
    for (let a = 0; a < n; a++) {
      const at = li + 1 + a;
      const w = at < nl ? parseNumberRow(lines[at]) : [];
      if (w.length < 3 || w.slice(0, 3).some((x) => !Number.isFinite(x))) {
        if (at >= nl - 1) {
          read = a;
          break;
        }
        fail(at + 1, `atom ${a} of the frame at line ${confLine} needs 3 coordinates, found '${lines[at].trim().slice(0, 60)}'`);
      }
      frac[3 * a] = w[0];
      frac[3 * a + 1] = w[1];
      frac[3 * a + 2] = w[2];
    }
    if (read < n) {
      if (frames.length === 0) fail(nl, `the file ends after ${read} of ${n} atoms of its first frame (the frame at line ${confLine}): no complete frame to read`);
      cutShort(`the frame at line ${confLine}`);
      break;
    }
    if (frames.length >= opt.maxStructures) fail(confLine, `the file has more than ${opt.maxStructures} frames`);
    const lat = lattice!;
    frames.push({
      frame: {
        structure: {
          name: `frame ${frames.length + 1}`,
          lattice: lat.map((r) => [...r]) as Mat3,
          pbc: [true, true, true],
          numbers: numbers!.slice(),
          species: Array.from(numbers!, elementSymbol),
          cart: fracToCart(frac, lat),
          frac,
          occupancy: new Float64Array(n).fill(1),
          siteProperties: {},
          properties: {},
        },
        energy: null,
        freeEnergy: null,
        forces: null,
        stress: null,
      },
      step: frames.length + 1,
      warnings: [],
    });
    li += n + 1;
  }
  return { frames, warnings, leftOut: [] };
}

/**
 * An XDATCAR of frames with the same atoms: the POSCAR-like header (VASP 5: comment, scale 1,
 * lattice, species and counts in runs of consecutive atoms), then `Direct configuration=  k` and
 * the fractional coordinates of every frame, wrapped into [0, 1) as VASP writes them. When the cell
 * changes between frames the header is repeated before each frame whose cell is not the last header's
 * (VASP ≥ 5.4 variable-cell style), which `readXdatcar` (and ASE) read back frame by frame.
 */
export function writeXdatcar(structures: readonly Structure[]): string {
  if (structures.length === 0) throw new StructureWriteError('', null, 'an XDATCAR needs at least one frame');
  const frame = xdatcarFrames();
  return structures.map((s) => frame(s)).join('');
}

/**
 * The XDATCAR writer, a frame at a time (a run's trajectory written as it goes): each call gives the
 * text of the next frame, the header before the first and before any whose cell differs from the last
 * header's. The text of the frames, concatenated, is the file.
 */
export function xdatcarFrames(): (s: Structure) => string {
  let first: { numbers: Int32Array; groups: { sym: string; count: number }[]; name: string } | null = null;
  let headerCell: Mat3 | null = null;
  let k = 0;
  return (s) => {
    if (!s.lattice) throw new StructureWriteError('', null, `frame ${k} has no lattice; XDATCAR needs one`);
    if (!first) {
      const groups: { sym: string; count: number }[] = [];
      for (let i = 0; i < s.numbers.length; i++) {
        if (s.numbers[i] <= 0) throw new StructureWriteError('', null, `site ${i} has no element; XDATCAR needs one`);
        const sym = elementSymbol(s.numbers[i]);
        const last = groups[groups.length - 1];
        if (last && last.sym === sym) last.count++;
        else groups.push({ sym, count: 1 });
      }
      first = { numbers: s.numbers, groups, name: s.name };
    }
    const { numbers, groups } = first;
    const n = numbers.length;
    if (s.numbers.length !== n || s.numbers.some((z, i) => z !== numbers[i])) {
      throw new StructureWriteError('', null, `frame ${k} has other atoms than frame 0; an XDATCAR holds one set of atoms`);
    }
    const out: string[] = [];
    const lattice = s.lattice;
    if (!headerCell || !lattice.every((r, a) => r.every((x, b) => x === headerCell![a][b]))) {
      out.push(
        first.name.replace(/[\r\n]+/g, ' ') || groups.map((g) => g.sym).join(' '),
        '1.0',
        ...lattice.map((r) => `  ${fmtNumber(r[0])} ${fmtNumber(r[1])} ${fmtNumber(r[2])}`),
        groups.map((g) => g.sym).join(' '),
        groups.map((g) => String(g.count)).join(' '),
      );
      headerCell = lattice.map((r) => [...r]) as Mat3;
    }
    out.push(`Direct configuration=${String(k + 1).padStart(6)}`);
    const frac = cartToFrac(s.cart, lattice);
    for (let i = 0; i < n; i++) {
      const w = [0, 1, 2].map((c) => {
        let x = frac[3 * i + c] - Math.floor(frac[3 * i + c]);
        if (x >= 1) x -= 1;
        return fmtNumber(x);
      });
      out.push(`  ${w.join(' ')}`);
    }
    k++;
    return out.join('\n') + '\n';
  };
}
