/**
 * A recorded simulation's frames as structures and files: each frame is the initial structure's
 * atoms at the frame's positions and cell, labelled with the frame's energy, forces and stress
 * (chem/frames' labelled frames), and carrying its step values (time, temperature, …) as info.
 */
import { cartToFrac } from '../chem/lattice';
import { writeFramesExtxyz, xdatcarFrames, type LabelledFrame, type Voigt6 } from '../chem';
import type { Mat3, Structure } from '../chem/structure';
import { elementSymbol } from '../chem/elements';
import { momentaProperty, type AxisConstraint } from './atoms';
import { heldSiteProperty } from './constraints';
import type { StepValues } from './job';

/** What a frame needs from its run: the atoms' elements, periodicity and the run's name, and what it held. */
export interface TrajectoryAtoms {
  numbers: ArrayLike<number>;
  pbc: readonly boolean[];
  name: string;
  /** The atoms the run held (`constraintsOf` its parameters): each frame flags them (`heldSiteProperty`). */
  held?: { fixed: readonly number[]; axisConstraints: readonly AxisConstraint[] };
}

/** The geometry and results of one frame (as stored, or as streamed). */
export interface TrajectoryFrame {
  index: number;
  step: number;
  time: number | null;
  energy: number;
  values: StepValues;
  lattice: Mat3 | null;
  cart: ArrayLike<number>;
  forces: ArrayLike<number>;
  stress: ArrayLike<number> | null;
  /** MD: the atoms' velocities, Å/fs (the frame then carries them as ASE's `momenta`); else null or absent. */
  velocities?: ArrayLike<number> | null;
}

/**
 * One frame as a labelled frame (energy, forces, stress; the step values as the structure's info;
 * the atoms the run held as movement flags, so that a POSCAR or extended XYZ written from it keeps them;
 * an MD frame's velocities as ASE's `momenta`, so that a run, in Latticework or ASE, can continue from it).
 */
export function labelledFrame(atoms: TrajectoryAtoms, frame: TrajectoryFrame): LabelledFrame {
  const numbers = Int32Array.from(atoms.numbers);
  const cart = Float64Array.from(frame.cart);
  const lattice = frame.lattice ? (frame.lattice.map((r) => [...r]) as Mat3) : null;
  const properties: Record<string, unknown> = { step: frame.step };
  if (frame.time !== null) properties.time = frame.time;
  for (const [k, v] of Object.entries(frame.values)) if (v !== null && k !== 'energy' && k !== 'potential') properties[k] = v;
  const structure: Structure = {
    name: `${atoms.name} frame ${frame.index}`,
    lattice,
    pbc: [!!atoms.pbc[0], !!atoms.pbc[1], !!atoms.pbc[2]],
    numbers,
    species: Array.from(numbers, (z) => elementSymbol(z)),
    cart,
    frac: lattice ? cartToFrac(cart, lattice) : null,
    occupancy: new Float64Array(numbers.length).fill(1),
    siteProperties: {
      ...(atoms.held && heldSiteProperty(numbers.length, atoms.held.fixed, atoms.held.axisConstraints)),
      ...(frame.velocities && { momenta: momentaProperty(numbers, frame.velocities) }),
    },
    properties,
  };
  return {
    structure,
    energy: frame.energy,
    freeEnergy: null,
    forces: Float64Array.from(frame.forces),
    stress: frame.stress ? (Array.from(frame.stress) as Voigt6) : null,
  };
}

/**
 * A trajectory file: extended XYZ (positions as simulated, with energy, forces, stress, the step
 * values, the held atoms' `move_mask` and an MD frame's `momenta`; ASE reads it back) or XDATCAR
 * (positions only, wrapped into the cell).
 */
export function trajectoryText(format: 'extxyz' | 'xdatcar', atoms: TrajectoryAtoms, frames: readonly TrajectoryFrame[]): string {
  const text = trajectoryFrameText(format, atoms);
  return frames.map((f) => text(f)).join('');
}

/**
 * The same file a frame at a time: each call gives the next frame's text (an XDATCAR's header
 * before the first, and again where the cell changes), and the texts one after the other are the
 * file, so that a run appends each frame as it is made.
 */
export function trajectoryFrameText(format: 'extxyz' | 'xdatcar', atoms: TrajectoryAtoms): (frame: TrajectoryFrame) => string {
  if (format === 'extxyz') return (f) => writeFramesExtxyz([labelledFrame(atoms, f)]);
  const xdatcar = xdatcarFrames();
  return (f) => xdatcar(labelledFrame(atoms, f).structure);
}
