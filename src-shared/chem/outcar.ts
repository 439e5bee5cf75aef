/**
 * VASP `OUTCAR`: every ionic step, as ASE 3.22's OUTCAR reader splits and reads it.
 *
 * - Header (up to the first electronic `Iteration` or the first step): species from the OUTCAR's own `POTCAR:` lines
 *   (VASP prints them twice: the first half counts) or `TITEL` lines, counts from `ions per type`.
 * - A step ends at `FREE ENERGIE OF THE ION-ELECTRON SYSTEM` and the four lines after it:
 *   `free  energy   TOTEN  =` (free energy) and `energy(sigma->0) =` (energy). Within a step the
 *   last `direct lattice vectors` block gives the cell, the last `POSITION ... TOTAL-FORCE` block
 *   the Cartesian positions (Å) and forces (eV/Å), the last `in kB` line the stress
 *   (xx yy zz xy yz zx in kB, VASP's sign → Voigt eV/Å³, ASE's sign).
 * - VASP's machine-learned force field (ML_MODE train) prints its prediction of every ionic step
 *   (`ML FREE ENERGIE …` blocks) before the ab initio step it sometimes asks for: the frames are the
 *   ab initio steps, the predictions are left out with a warning; a run of the force field alone
 *   (ML_MODE run: no ab initio step) gives its predictions, with a warning saying whose labels they are.
 * - A step cut short (a killed run), wherever it was cut once begun, is left out with a warning; numbers Fortran glued together
 *   (`-12.345-6.789`) are split; a stress VASP could not print (`*****`) is left out with a warning; a step
 *   with a force it could not print (`****` over one field or two glued fields, NaN) is left out with a
 *   warning naming the file, line and atom, so no frame holds a made-up force (NaN); a position it could
 *   not print is an error (the structure cannot be read).
 */
import { StructureParseError } from './errors';
import { KBAR_TO_EV_PER_A3, type Voigt6 } from './frames';
import { cartToFrac, determinant } from './lattice';
import type { ResolvedReadOptions } from './options';
import type { Mat3 } from './structure';
import { elementSymbol } from './elements';
import { ordinal } from '../text';
import { speciesFromPotcar, speciesNumbers } from './vasp-common';
import { foreignWord, parseNumberRow, type FramesRead, type ParsedFrame } from './vasprun';

const STEP_END = 'FREE ENERGIE OF THE ION-ELECTRON SYSTEM';
const POSITIONS = 'POSITION          ';

function numberAfter(line: string, marker: string): number | null {
  const i = line.indexOf(marker);
  if (i < 0) return null;
  const w = line.slice(i + marker.length).trim().split(/\s+/)[0];
  const v = Number(w);
  return w !== undefined && w !== '' && Number.isFinite(v) ? v : null;
}

export function readOutcar(text: string, file: string, opt: ResolvedReadOptions): FramesRead {
  const lines = text.split('\n');
  const nl = lines.length;
  // Header.
  // The header ends at the first electronic iteration, or (a run of VASP's machine-learned force
  // field alone: no electronic step at all) at the first step's stress, positions or energies.
  let h = 0;
  const opensStep = (ln: string) => ln.includes('Iteration') || ln.includes(STEP_END) || ln.includes(POSITIONS) || ln.includes('FORCE on cell =-STRESS');
  while (h < nl && !opensStep(lines[h])) h++;
  if (h >= nl) throw new StructureParseError(file, null, 'no ionic step in this file: an OUTCAR cut short before its first step, or not an OUTCAR');
  const headerText = lines.slice(0, h).join('\n');
  const names = speciesFromPotcar(headerText);
  let counts: number[] | null = null;
  let countsLine = 0;
  for (let i = 0; i < h; i++) {
    const k = lines[i].indexOf('ions per type');
    if (k >= 0) {
      counts = lines[i]
        .slice(lines[i].indexOf('=', k) + 1)
        .trim()
        .split(/\s+/)
        .map(Number);
      countsLine = i + 1;
    }
  }
  if (!counts || counts.some((c) => !Number.isInteger(c) || c < 0)) {
    throw new StructureParseError(file, countsLine || null, "no 'ions per type' line in the header: is this an OUTCAR?");
  }
  const nions = Number(/NIONS\s*=\s*(\d+)/.exec(headerText)?.[1] ?? NaN);
  if (names.length > counts.length && counts.length === 10 && nions > counts.reduce((a, b) => a + b, 0)) {
    throw new StructureParseError(
      file,
      countsLine,
      `the header names ${names.length} species but 'ions per type' lists only the first 10 counts (VASP up to 6.3 cuts this line at 10 species), so the species of ${nions} atoms cannot be told: read this run's vasprun.xml instead`,
    );
  }
  if (names.length !== counts.length) {
    throw new StructureParseError(
      file,
      countsLine,
      `the header names ${names.length} species (POTCAR: lines) but 'ions per type' gives ${counts.length} counts`,
    );
  }
  const perAtom: string[] = [];
  counts.forEach((c, s) => {
    for (let j = 0; j < c; j++) perAtom.push(names[s]);
  });
  const nAtoms = perAtom.length;
  if (nAtoms === 0) throw new StructureParseError(file, countsLine, 'the atom counts add up to 0');
  if (nAtoms > opt.maxAtoms) throw new StructureParseError(file, countsLine, `the run has ${nAtoms} atoms, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
  const numbers = speciesNumbers(perAtom, file, countsLine);
  const species = Array.from(numbers, elementSymbol);

  let frames: ParsedFrame[] = [];
  // Whether each frame is a prediction of VASP's machine-learned force field (an `ML FREE ENERGIE` block).
  const predicted: boolean[] = [];
  const warnings: string[] = [];
  // steps left out for a force VASP could not print (`****`): said once the frames are counted
  const overflows: { stepNo: number; slot: number; what: string }[] = [];
  // every step that would be a frame (those left out too), and whether it is a prediction: a frame's index in the file
  const slots: boolean[] = [];
  let start = h;
  let ionicStep = 0;
  let afterPrediction = false;
  // The cell carries over from the header (and from step to step) when a step prints none.
  let cellAt = -1;
  for (let i = 0; i < h; i++) if (lines[i].includes('direct lattice vectors')) cellAt = i;
  let posAt = -1;
  let stressAt = -1;
  for (let i = start; i < nl; i++) {
    const ln = lines[i];
    if (ln.includes('direct lattice vectors')) cellAt = i;
    else if (ln.includes(POSITIONS)) posAt = i;
    else if (ln.includes('in kB ')) stressAt = i;
    else if (ln.includes(STEP_END)) {
      if (i + 4 >= nl) {
        warnings.push(`incomplete file: the ionic step ending at line ${i + 1} is cut short; ${frames.length} complete ionic step${frames.length === 1 ? '' : 's'} read`);
        break;
      }
      if (frames.length >= opt.maxStructures) throw new StructureParseError(file, i + 1, `the file has more than ${opt.maxStructures} ionic steps`);
      // A machine-learned force field (ML_MODE train) prints its prediction of each ionic step, then,
      // when it asks for one, the ab initio step: both count as the same ionic step.
      const isPrediction = ln.trim().startsWith('ML ');
      if (isPrediction || !afterPrediction) ionicStep++;
      afterPrediction = isPrediction;
      const stepNo = ionicStep;
      const stepWarnings: string[] = [];
      if (cellAt < 0) throw new StructureParseError(file, i + 1, `ionic step ${stepNo} has no 'direct lattice vectors' block`);
      if (posAt < 0) {
        const nwrite = /NWRITE\s*=\s*(\d+)/.exec(headerText)?.[1];
        throw new StructureParseError(
          file,
          i + 1,
          `ionic step ${stepNo} has no 'POSITION ... TOTAL-FORCE' block${nwrite === '0' ? ' (with NWRITE = 0 VASP prints positions and forces only for the first step: read this run\'s vasprun.xml)' : ''}`,
        );
      }
      const rows: number[][] = [];
      for (let r = 0; r < 3; r++) {
        const w = parseNumberRow(lines[cellAt + 1 + r] ?? '');
        if (w.length < 3 || w.slice(0, 3).some((x) => !Number.isFinite(x))) {
          throw new StructureParseError(file, cellAt + 2 + r, `lattice vector ${'abc'[r]} of ionic step ${stepNo} needs 3 numbers`);
        }
        rows.push(w);
      }
      const lattice: Mat3 = [
        [rows[0][0], rows[0][1], rows[0][2]],
        [rows[1][0], rows[1][1], rows[1][2]],
        [rows[2][0], rows[2][1], rows[2][2]],
      ];
      if (!(Math.abs(determinant(lattice)) > 1e-8)) throw new StructureParseError(file, cellAt + 1, `the cell of ionic step ${stepNo} has zero volume`);
      const cart = new Float64Array(3 * nAtoms);
      const forces = new Float64Array(3 * nAtoms);
      // the first force VASP could not print (`****`): the step is left out, said once
      let overflowed: string | null = null;
      for (let a = 0; a < nAtoms; a++) {
        const li = posAt + 2 + a;
        const row = (lines[li] ?? '').trim();
        const w = parseNumberRow(row);
        const position = w.slice(0, 3);
        // VASP prints a number too large for its field as `*` over the whole field, glued to the one before
        // (`-6.093438**************`); two such fields side by side are one run of `*`, so the row may hold
        // fewer than 6 numbers
        const vaspOwn = foreignWord(row) === null && position.length === 3;
        if (vaspOwn && !position.every(Number.isFinite)) {
          throw new StructureParseError(file, li + 1, `the position of atom ${a} of ionic step ${stepNo} holds a number VASP could not print ('${row.slice(0, 80)}'): the structure cannot be read`);
        }
        if (vaspOwn && w.slice(3).some((x) => !Number.isFinite(x))) {
          const what = row.includes('*') ? 'overflowed (VASP printed **** for a force too wide for its field' : 'is not a number (VASP printed NaN or Infinity';
          overflowed = `line ${li + 1}: the force column of atom ${a} (the ${ordinal(a + 1)}) ${what}: '${row.slice(0, 80)}'), so its forces cannot be read`;
          break;
        }
        if (w.length < 6 || !w.slice(0, 6).every(Number.isFinite)) {
          throw new StructureParseError(file, li + 1, `atom ${a} of ionic step ${stepNo} needs a position and a force (6 numbers), found '${row.slice(0, 80)}'`);
        }
        for (let k = 0; k < 3; k++) {
          cart[3 * a + k] = w[k];
          forces[3 * a + k] = w[3 + k];
        }
      }
      let stress: Voigt6 | null = null;
      if (stressAt >= 0) {
        const w = parseNumberRow(lines[stressAt].slice(lines[stressAt].indexOf('in kB') + 5));
        if (w.length >= 6 && w.slice(0, 6).every(Number.isFinite)) {
          // xx yy zz xy yz zx → xx yy zz yz xz xy
          stress = [w[0], w[1], w[2], w[4], w[5], w[3]].map((x) => x * KBAR_TO_EV_PER_A3) as Voigt6;
        } else stepWarnings.push(`line ${stressAt + 1}: the stress is not 6 numbers ('${lines[stressAt].trim()}'): left out`);
      }
      let freeEnergy: number | null = null;
      let energy: number | null = null;
      for (let k = i + 1; k <= i + 4; k++) {
        freeEnergy ??= numberAfter(lines[k], 'TOTEN  =') ?? numberAfter(lines[k], 'TOTEN =');
        energy ??= numberAfter(lines[k], 'energy(sigma->0) =');
      }
      if (freeEnergy === null) stepWarnings.push(`line ${i + 3}: no free energy (TOTEN) after the step's energy header`);
      if (energy === null) stepWarnings.push(`line ${i + 5}: no energy(sigma->0) after the step's energy header`);
      if (overflowed === null) {
        frames.push({
          frame: {
            structure: {
              name: `step ${stepNo}`,
              lattice,
              pbc: [true, true, true],
              numbers: numbers.slice(),
              species: [...species],
              cart,
              frac: cartToFrac(cart, lattice),
              occupancy: new Float64Array(nAtoms).fill(1),
              siteProperties: {},
              properties: {},
            },
            energy,
            freeEnergy,
            forces,
            stress,
          },
          step: stepNo,
          warnings: stepWarnings,
        });
        predicted.push(isPrediction);
      } else overflows.push({ stepNo, slot: slots.length, what: overflowed });
      slots.push(isPrediction);
      // the next step starts after the energy lines
      start = i + 5;
      i = start - 1;
      posAt = -1;
      stressAt = -1;
    }
  }
  // the index in the file of a step left out: the frames before it, as the file's frames are counted (only the
  // ab initio steps when the force field's predictions are left out below)
  const abInitioOnly = slots.some(Boolean) && !slots.every(Boolean);
  const leftOut = overflows.map(
    (o) => `step ${o.stepNo} of ${file} (frame ${slots.slice(0, o.slot).filter((p) => !abInitioOnly || !p).length}, counting from 0) left out: ${o.what}`,
  );
  warnings.push(...leftOut);
  if (frames.length === 0 && leftOut.length > 0) {
    throw new StructureParseError(file, null, `no ionic step left to read: every one has a force VASP could not print (the first: ${leftOut[0]})`);
  }
  if (frames.length === 0) {
    throw new StructureParseError(file, null, 'no ionic step finished in this OUTCAR (no FREE ENERGIE OF THE ION-ELECTRON SYSTEM block)');
  }
  const nPredicted = predicted.filter(Boolean).length;
  if (nPredicted > 0 && nPredicted < frames.length) {
    frames = frames.filter((_, k) => !predicted[k]);
    warnings.push(
      `${nPredicted} ionic step${nPredicted === 1 ? '' : 's'} predicted by VASP's machine-learned force field (ML FREE ENERGIE blocks) left out: the frames are the ${frames.length} ab initio step${frames.length === 1 ? '' : 's'}`,
    );
  } else if (nPredicted > 0) {
    warnings.push("every ionic step of this OUTCAR is a prediction of VASP's machine-learned force field (no ab initio step): its energies, forces and stress are the force field's, not DFT's");
  }
  // a step begun after the last complete one (an electronic iteration, a stress, cell or positions block): the run was stopped
  let begun = start;
  while (begun < nl && !opensStep(lines[begun])) begun++;
  if (warnings.every((w) => !w.startsWith('incomplete')) && begun < nl) {
    warnings.push(`incomplete file: the ionic step begun at line ${begun + 1} has no energy (the run was stopped); ${frames.length} complete ionic step${frames.length === 1 ? '' : 's'} read`);
  }
  return { frames, warnings, leftOut };
}
