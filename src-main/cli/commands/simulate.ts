/**
 * `latticework relax | md | eos FILE --model NAME`: a relaxation, a molecular dynamics run or an
 * equation of state of one structure with a potential, and vibrations, elastic constants, phonons
 * and `neb START END` (a nudged elastic band) likewise (the built-in emt, lj, morse, or a trained
 * potential), run in this process with the same code the app's worker runs (src-shared/sim/job.ts).
 * They print readable text, or one JSON object with `--json` (shapes below, fixed by issue 14).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { elementSymbol, readerWarnings, structureErrorData, writeStructures } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem/structure';
import {
  Atoms,
  checkSimulationInput,
  constraintsOf,
  driftText,
  elasticNotes,
  mdNotes,
  phononNotes,
  gpaText,
  stabilityText,
  storedForceConstants,
  phononModeProblem,
  phononModeStructures,
  type PhononModeStructures,
  keepsSymmetry,
  MAX_PRESSURE_GPA,
  PRESSURE_RANGE_TEXT,
  symmetryTolerance,
  plannedSteps,
  runSimulation,
  SIMULATION_DEFAULTS,
  type SimulationHooks,
  type TrajectoryAtoms,
  type TrajectoryFrame,
  type ElasticParameters,
  type NebParameters,
  SimulationInputError,
  type PhononsParameters,
  type MdParameters,
  type RelaxParameters,
  type SimulationFrame,
  type SimulationOutcome,
  type SimulationParameters,
  type SimulationSummary,
  type StepValues,
  type SymmetryOperations,
  type AxisConstraint,
  trajectoryDomainWatch,
} from '../../../src-shared/sim';
import { SPACE_GROUP_REPORT_MAX_SITES, symmetryOperations, withRelaxationSpaceGroups } from '../../chem/spacegroup';
import { spaceGroupChangeText } from '../../../src-shared/chem/spacegroup';
import { diffusionText } from '../../../src-shared/sim/msd';
import { StepSeries } from '../../../src-shared/sim/step-series';
import { describeFileConstraints, fileConstraints, indexList } from '../../../src-shared/sim/constraints';
import { modeFrames, modeText } from '../../../src-shared/sim/vibrations';
import { defaultBandPath, parseTriple, parseWaveVector, PHONON_DEFAULTS, phonopyForceConstants, thzText, waveVectorText } from '../../../src-shared/sim/phonons';
import { writeFrames } from '../../files/frames-file';
import { bandEnd, heldInPlace, NEB_DEFAULTS } from '../../../src-shared/sim/neb';
import { frameOfStructure } from '../../../src-shared/chem/frames';
import type { TrajectoryDomainWatch } from '../../../src-shared/model/potential-domain';
import { heldNotWritten, TrajectoryFile, type TrajectoryFileFormat } from '../../files/trajectory-file';
import { readStructuresInPlace, type FileStructures } from '../../files/structure-file';
import { CalculatorChoiceError, openCalculator, type OpenedCalculator } from '../calculator';
import { pickedAtoms } from './picked-atoms';
import { cellFormatProblem, flagOptions, outputFileProblem, outputFormat, parseCommandArgs, READ_LIMIT_OPTIONS, readLimits, readLimitsUsage, usageError, UsageProblem, valueOptions, type Command, type CommandContext } from '../command';
import { leaveStopSignalsUnheard, signalName, stepStopSignal, stoppedBy, stoppedStatus } from '../signals';

const COMMON = `  --model NAME       emt, lj, morse (built in), or a trained potential: a stored model's
                     name or a model file (required)
  --param KEY=VALUE  a built-in's parameter, repeatable: lj epsilon (eV), sigma (Å), cutoff (Å),
                     cutoffMode (shift|smooth), onset (Å); morse epsilon (eV), r0 (Å), rho0,
                     onset (Å), cutoff (Å). Defaults as ASE's LennardJones() and MorsePotential()
  --frame K          which structure of a multi-structure file (0-based; default the last)
  --backend NAME     tfjs backend for a trained potential (auto, tfjs-node, wasm, cpu)
${readLimitsUsage(21)}
  --json             print one JSON object (below) instead of text`;

/** --fixed, as relax and md take it. */
const FIXED = `  --fixed I,J-K,...  atoms held in place (0-based indices; J-K a range, both included; z<Z
                     the atoms below Z Å along z, and so x, y and >); default: what the file
                     holds (a POSCAR's selective dynamics, an ASE database's FixAtoms,
                     FixScaled and FixCartesian, an extended XYZ's move_mask), atoms flagged
                     along some axes held along those; --fixed replaces all of it, --fixed
                     none holds no atom`;

const relaxUsage = `Usage: latticework relax FILE --model NAME [--cell] [--symmetry] [--fmax F] [--steps N] [--optimizer fire|lbfgs] [--minimum check|escape] [--out FILE] [--json]

Relaxes the atoms (and with --cell the cell) of the structure in FILE until the largest force is
at most F (and with --cell every stress component is within --smax of the target pressure;
--pressure, --smax and --hydrostatic without --cell are refused).
${COMMON}
  --cell             relax the cell too (a log-strain filter, as ASE's FrechetCellFilter)
  --pressure P       target pressure with --cell, GPa (default 0; at most ±10,000)
  --smax S           stress tolerance with --cell, GPa (default ${SIMULATION_DEFAULTS.relax.smax.toPrecision(2)})
  --hydrostatic      with --cell: change the volume only
  --symmetry         keep the structure's space group (found at 0.01 Å, as spglib's default): the
                     start moved onto its ideal cell and positions, then forces, steps, stress and
                     cell changes averaged over it, as ASE's FixSymmetry; not with held atoms
  --fmax F           force tolerance, eV/Å (default ${SIMULATION_DEFAULTS.relax.fmax})
  --steps N          at most N optimiser steps (default ${SIMULATION_DEFAULTS.relax.maxSteps})
  --optimizer NAME   fire (default) or lbfgs (ASE's FIRE and LBFGS step rules)
  --minimum M        once converged, is it a minimum or a saddle point? check: measure the
                     lowest curvature of the energy (with --cell over positions and strain
                     together, of the enthalpy; ~20-60 force calls); escape: also push the
                     atoms (and cell) off a saddle point along its mode and relax
                     on (at most 5 times, within --steps). Default: neither, as ASE
${FIXED}
  --stop-when-extrapolating
                     a trained potential: stop at the first frame outside its training structures
                     (a pair closer than any it trained on, an energy beyond their range)
  --out FILE         write the relaxed structure (.cif, .vasp/POSCAR, .xyz/.extxyz; a molecule:
                     a CIF with Cartesian sites and no cell, not a POSCAR)
JSON: {"file", "model", "converged", "steps", "energy" (eV), "fmax" (eV/Å), "message",
       "structure": {"lattice": [[a],[b],[c]] | null, "species": [...], "positions": [[x,y,z], ...]},
       "spaceGroups"?: {"start": {"number", "symbol"}, "end": {...}} (a crystal of at most 1,000 atoms:
       its space group before and after, at 0.01 Å; spglib's symbols),
       "minimum"?: {"lowest" (eV/Å², the lowest curvature), "saddle" (lowest < -0.01), "escapes",
       "forceCalls", "mode" (its mode: [dx, dy, dz] per atom flat, Å, the largest move 1 Å),
       "strain" (with --cell the strain in the mode, 3x3 row-major, else null)} | null
       (with --minimum; null when it did not converge),
       "warnings"?: [...] (a trained potential: each way the path left its training structures, at
       the first step that shows it, "step N: ..."; the relaxed structure is the last step; [] when none did)}
Exit status: 0 when it converged, 1 when it did not (or failed, or the file could not be read),
2 for bad usage, 130 (143) when Ctrl-C (SIGTERM) stopped it (the structure so far is written and printed).
Progress goes to stderr every 10 s.`;

const mdUsage = `Usage: latticework md FILE --model NAME --ensemble nve|nvt|npt --temperature K --timestep FS --steps N [--every K] [--seed S] [--velocities maxwell-boltzmann|file] [--out traj.extxyz] [--json]

Molecular dynamics of the structure in FILE. Velocities start Maxwell–Boltzmann at the temperature
(seeded, zero total momentum, scaled to exactly that temperature), or with --velocities file as the
file holds them. An option of another ensemble or thermostat than the run's (--friction with
nose-hoover, --pressure with nvt, ...) is refused, not ignored; so is a single free atom (no
degrees of freedom at zero total momentum).
${COMMON}
  --ensemble E       nve (velocity Verlet), nvt (a thermostat), npt (thermostat + barostat)
  --temperature K    K (required, except for nve with --velocities file, which refuses it: the
                     velocities are the temperature; with nvt or npt and --velocities file, the
                     thermostat's target, said on stderr)
  --velocities V     maxwell-boltzmann (default) or file: the structure's own, an extended XYZ's
                     momenta as ASE writes them (the frames of --out carry them, so a run
                     continues from its last frame: --velocities file, --frame default the last)
                     or a CONTCAR's velocity block as VASP writes it after an MD run
  --timestep FS      fs (required)
  --steps N          number of steps (required)
  --every K          a frame every K steps for --out (default ${SIMULATION_DEFAULTS.md.every})
  --seed S           seed of the velocities and the Langevin noise (default ${SIMULATION_DEFAULTS.md.seed}; refused
                     for a run from the file's velocities without Langevin, which uses neither)
  --thermostat T     nvt/npt: langevin (default; nose-hoover with --barostat mtk), nose-hoover or berendsen
  --friction G       Langevin friction, 1/fs (default ${SIMULATION_DEFAULTS.md.friction})
  --tau T            Nosé–Hoover / Berendsen time constant, fs (default ${SIMULATION_DEFAULTS.md.tau})
  --pressure P       npt target pressure, GPa (default 0; at most ±10,000)
  --barostat B       npt: berendsen (default: drives the pressure to its target, the volume does not
                     fluctuate as it should) or mtk (Martyna–Tobias–Klein with Nosé–Hoover chains:
                     samples the NPT ensemble, and its drift is measured)
  --barostat-tau T   npt barostat time constant, fs (default ${SIMULATION_DEFAULTS.md.barostatTau}; mtk: the
                     period of the cell's oscillation)
  --cell-motion M    npt with mtk: isotropic (default: the cell keeps its shape) or flexible (its
                     lengths and angles move too, under the pressure tensor: a strained cell
                     finds its own shape)
${FIXED}
  --stop-when-extrapolating
                     a trained potential: stop at the first frame (--every) outside its training
                     structures (a pair closer than any it trained on, an energy beyond their range)
  --out FILE         the trajectory: extended XYZ (.xyz/.extxyz: positions, energy, forces, stress,
                     step values, momenta), an ASE trajectory (.traj: the same, as ASE writes
                     one) or XDATCAR (a name containing XDATCAR); each frame is appended as it
                     is made, so a run stopped any way (a second SIGTERM, SIGKILL) keeps the
                     frames written
JSON: {"file", "model", "steps", "energy": [total energy per step, eV; step 0 first],
       "temperature": [K per step], "drift" (eV/atom: change of the conserved quantity, null with
       Berendsen's barostat), "potential": [eV], "kinetic": [eV], "pressure": [GPa | null], "time": [fs],
       "msd": [Å² per step: mean squared displacement from the start, the mobile atoms' drift
       removed], "diffusion" (cm²/s: MSD's slope over the second half / 6), "diffusionVerdict"
       ("resolved", or why that slope is not diffusion: "short" (the second half is under 1 ps),
       "vibration" (the MSD rose less than the plateau the atoms vibrate about), "bending" (it
       still bends up: ballistic, or melting); null without a fit), "msdByElement"?,
       "diffusionByElement"? and "diffusionVerdictByElement"? (structures of more than one
       element: the same per element),
       "forceSpread"?: [eV/Å per step] (an ensemble of potentials: the largest disagreement of its
       members on an atom's force), "message",
       "warnings"?: [...] (a trained potential: each way the frames written left its training
       structures, at the first such frame, "step N: ..."; [] when none did; and an NVE run whose
       |drift| passed 0.01 eV/atom: it did not conserve energy, the time step is too long or atoms
       are too close — also on stderr, "latticework md: warning: FILE: …", the run still completed)}
Exit status: 0 when the run completed, 1 when it failed (e.g. blew up), stopped where the potential
extrapolates, or the file could not be read, 2 for bad usage, 130 (143) when Ctrl-C (SIGTERM) stopped it (the
steps so far are printed; their frames are in the file already). Progress goes to stderr every 10 s.`;

const eosUsage = `Usage: latticework eos FILE --model NAME [--relax] [--points N] [--range R] [--json]

Energies of the structure in FILE over volumes from (1 − R)V to (1 + R)V (the cell scaled
isotropically), fitted with the Birch–Murnaghan equation of state.
${COMMON}
  --relax            relax the atoms at each volume (FIRE to --fmax)
  --fmax F           with --relax, eV/Å (default ${SIMULATION_DEFAULTS.eos.fmax})
  --points N         number of volumes (default ${SIMULATION_DEFAULTS.eos.points})
  --range R          fraction of the volume (default ${SIMULATION_DEFAULTS.eos.range})
JSON: {"file", "model", "v0" (Å³), "e0" (eV), "b0GPa", "b0prime", "points": [[V, E], ...], "rms" (eV),
       "unconverged": [V, ...] (with --relax, the volumes whose relaxation did not converge, also said on
       stderr; [] when every one did, and without --relax),
       "warnings"? (a trained potential: each way the cell left its training structures, with every
       volume that shows it, "volumes V, V Å³: ..." (the sentence's numbers: the first's); [] when none does)}
Exit status: 0, or 1 when the fit or the file failed (a fit whose minimum lies outside the volumes is
refused: they do not bracket it), 2 for bad usage, 130 (143) when Ctrl-C (SIGTERM) stopped it. Progress
goes to stderr every 10 s.`;

const elasticUsage = `Usage: latticework elastic FILE --model NAME [--strain D] [--fmax F] [--no-relax] [--json]

Elastic constants of the crystal in FILE by the stress–strain method: the cell strained by ±D/2 and ±D
in each of the six Voigt components (xx, yy, zz, yz, xz, xy; a shear as engineering strain), the
atoms relaxed at each strained cell (FIRE to --fmax), C_ij the slope of stress σ_i against strain ε_j,
symmetrised. Relax the structure with its cell first (relax --cell): a stress left in it changes the
slopes. 24 strained cells.
${COMMON}
  --strain D         the largest strain (default ${SIMULATION_DEFAULTS.elastic.strain}; at most 0.05)
  --fmax F           eV/Å, the relaxation of the atoms at each strain (default ${SIMULATION_DEFAULTS.elastic.fmax})
  --no-relax         keep the atoms where the strain puts them (the "clamped-ion" constants; right
                     only when no atom can move relative to the others, as in fcc or bcc metals)
JSON: {"file", "model", "cGPa": [[6×6]], "bulkModulusGPa": {"voigt", "reuss", "hill"},
       "shearModulusGPa": {"voigt", "reuss", "hill"}, "youngGPa", "poisson" (from the Hill moduli;
       pymatgen's ElasticTensor k_vrh, g_vrh, y_mod, homogeneous_poisson), "eigenvaluesGPa" (of C in
       Kelvin form, its shear rows and columns times √2: the same however the crystal is turned;
       ascending), "stable" (all positive: Born's criterion), "residualStressGPa" (the start's Voigt
       stress), "startFmax" (the largest force on an atom of the start, eV/Å), "asymmetryGPa" (largest |C_ij − C_ji|/2 before symmetrising), "unconverged" (strained
       cells whose relaxation did not converge), "message", "warnings"? (a trained potential)}
Exit status: 0, or 1 when the file or the calculation failed, 2 for bad usage, 130 (143) when Ctrl-C (SIGTERM)
stopped it. Progress goes to stderr every 10 s.`;

const vibrationsUsage = `Usage: latticework vibrations FILE --model NAME [--atoms I,J-K,...] [--delta D] [--mode K --out FILE] [--modes] [--json]

Harmonic vibrations of the structure in FILE at the Γ point, as ASE's Vibrations: each coordinate
of each vibrating atom moved by ±D, the Hessian from the forces (symmetrised), its mass-weighted
eigenvalues as mode energies ħω and wavenumbers; an imaginary mode (the structure is not at a
minimum: relax it first) is printed with an i, and negative in the JSON. Takes 6 force calls per
vibrating atom, and 2 more to check that the forces are linear at the displacement. A crystal's
modes are its Γ-point phonons in the cell as given (its three rigid translations come out near
zero).
${COMMON}
  --atoms SPEC       the atoms that vibrate (0-based I,J-K ranges, or z<Z as relax's --fixed);
                     default: every atom the file does not hold fixed (a slab's fixed layers stay)
  --delta D          displacement, Å (default 0.01, ASE's)
  --mode K --out F   write mode K (0-based, as listed) as an animation of 30 frames over one
                     period at 300 K's amplitude, as ASE's write_mode (.extxyz, .traj, XDATCAR)
  --modes            with --json, every mode's displacements
JSON: {"file", "model", "atoms": [vibrating atoms], "energies" (meV, ascending; imaginary
       negative), "frequencies" (cm⁻¹, the same), "zpe" (eV: ½Σħω over the real modes),
       "modes"? ([[dx, dy, dz] per atom] per mode: eigenvector / √m, ASE's get_modes),
       "linearity": {"delta", "stiffness", "halfStiffness"} (the first vibrating atom's force
       constant along x from ±D and ±D/2, eV/Å², 2 more force calls: far apart, the forces are
       not linear at D and the energies depend on it), "warnings"? (a trained potential: where
       the structure lies outside its training structures, "step 0: ..."; [] when it does not)}
Exit status: 0, 1 when the file or the calculator failed, 2 for bad usage, 130 (143) when Ctrl-C (SIGTERM) stopped
it. Progress goes to stderr every 10 s.`;

const phononsUsage = `Usage: latticework phonons FILE --model NAME [--supercell N1,N2,N3] [--mesh M1,M2,M3] [--delta D]
       [--no-symmetry] [--mode K [--q Q] [--amplitude A] --out FILE] [--force-constants FILE] [--json]

Phonons of the crystal in FILE by finite displacements, as phonopy computes them: the structure is
the unit cell; each of its atoms is moved by ±D along x, y and z in a supercell (6 force calls per
atom; with its space group, found at phonopy's ${PHONON_DEFAULTS.symprec} Å, only one atom of each set of
equivalent ones, along the axes its site's symmetry does not give: 2 calls for fcc, 4 for hcp), and
by ±D/2 once more to check that the forces are linear ("linearity"), 2 calls: a run counts 4 force
calls for fcc, 6 for hcp, 6N + 2 with --no-symmetry. The force constants give the dynamical matrix
at any wave vector. Prints the frequencies at
the special points of the band path (ASE's standard path for fcc and bcc primitive cells and simple
cubic, hexagonal, tetragonal and orthorhombic cells; else Γ–X|Γ–Y|Γ–Z), the density of states and
the harmonic free energy, entropy and heat capacity from a Γ-centred mesh. Relax the structure
first: imaginary frequencies (printed with an i, negative in the JSON) mean it is not at a minimum,
or the supercell is too small for the potential's reach.
${COMMON}
  --supercell N1,N2,N3  diagonal supercell (or one N for all three); default the smallest whose
                     widths are all at least ${PHONON_DEFAULTS.minWidth} Å
  --mesh M1,M2,M3    Γ-centred mesh (or one M); default phonopy's rule with a length of ${PHONON_DEFAULTS.meshLength} Å
  --delta D          displacement, Å (default ${PHONON_DEFAULTS.delta}, phonopy's)
  --no-symmetry      displace every atom along x, y and z (the symmetry unused)
  --mode K --out F   write band K (0-based, ascending) at the wave vector Q in the smallest
                     supercell the wave repeats in, with phonopy's MODULATION phase: as an
                     animation of 30 frames over one period (.extxyz/.xyz, .traj, XDATCAR), or as
                     the one structure displaced along it (.cif, .vasp/POSCAR), e.g. to follow an
                     imaginary mode to the structure below
  --q Q              the mode's wave vector: a point of the path by its label (Γ or G, X, L, ...)
                     or three fractions of the reciprocal lattice, 0.5,0,0.5 (default Γ)
  --amplitude A      how far the mode moves the atom moving most, Å (default ${PHONON_DEFAULTS.amplitude})
  --force-constants F  write the force constants as phonopy's FORCE_CONSTANTS (eV/Å², the
                     supercell in phonopy's order): phonopy --readfc -c FILE --dim "N1 N2 N3"
                     reads them with FILE as its unit cell from a file named FORCE_CONSTANTS
JSON: {"file", "model", "supercell", "mesh", "lattice" (whose standard path, or null),
       "bands": {"distances" (1/Å, no 2π), "frequencies" (THz, per point, ascending), "ticks":
       [{"distance", "label"}]}, "dos": {"frequencies" (THz), "states" (per THz per cell; σ
       ${PHONON_DEFAULTS.sigma} THz), "elements"? ([{"element", "states"}]: each element's share, with
       two elements or more)}, "thermal": {"temperature" (K), "freeEnergy" (kJ/mol, zero-point
       energy included), "entropy", "heatCapacity" (J/K/mol); per mole of cells, 0–1000 K},
       "lowest", "highest" (THz; the translations at Γ aside), "linearity": {"delta", "stiffness",
       "halfStiffness"} (atom 0's force constant along x from ±D and ±D/2, eV/Å²: the run says when
       they differ by more than 5 %), "symmetry": {"operations" (those used; 1: none), "displaced" (atoms
       of the unit cell)}, "mode"? ({"band", "q", "frequency" (THz), "supercell",
       "amplitude" (Å)}: the mode --mode wrote), "message", "warnings"? (a trained potential)}
Exit status: 0, or 1 when the file or the calculation failed, 2 for bad usage, 130 (143) when Ctrl-C (SIGTERM)
stopped it. Progress goes to stderr every 10 s.`;

const nebUsage = `Usage: latticework neb START END --model NAME [--images N] [--path linear|idpp] [--spring K] [--no-climb]
       [--no-relax-ends] [--fmax F] [--steps N] [--optimizer fire|lbfgs] [--fixed ...] [--out FILE] [--json]
       latticework neb BAND --model NAME [--spring K] [--no-climb] [--fmax F] [--steps N] ...
       latticework neb START IMAGE... END --model NAME [--spring K] [--no-climb] [--fmax F] ...

The minimum energy path from the structure in START to the one in END (the same atoms in the same
order and cell), each first relaxed by the optimiser to F (unless --no-relax-ends), by the nudged
elastic band, as ASE's NEB(method='improvedtangent') relaxed by ASE's optimiser: N images on the
straight line between the ends (each atom along its shortest way, the minimum image), relaxed under
the potential's forces across the path and springs along it until no atom of an image feels more
than F. The highest image climbs to the saddle point
(unless --no-climb): its energy above the start is the barrier.
With one file, BAND holds a band to go on from: its first structure is the start, its last the end,
and the ones between are the images where the band starts (--out of an earlier run, ASE's images
written to one file). With three files or more, each file's last structure is one image, start to end
(VASP's 00/POSCAR 01/CONTCAR ... 0N/POSCAR). Each atom is taken at its nearest image to where it is in
the structure before.
${COMMON}
  --end-frame K      which structure of END (0-based; default the last)
  --images N         images between the ends (default ${NEB_DEFAULTS.images})
  --path NAME        where the images start: linear (default), the straight line, or idpp, that
                     line relaxed on the image-dependent pair potential (ASE's
                     interpolate(method='idpp')), which keeps atoms apart where the line brings
                     them too close (a rotation, an exchange)
  --spring K         spring constant along the band, eV/Å² (default ${NEB_DEFAULTS.spring}, ASE's)
  --no-climb         no climbing image: the barrier is the highest image, at most the saddle point
  --no-relax-ends    take the two ends as given, not relaxed first (the message says when either is
                     above F: the barrier is then not measured from a minimum)
  --fmax F           largest force on an atom of an image, eV/Å (default ${NEB_DEFAULTS.fmax})
  --steps N          at most N optimiser steps (default ${NEB_DEFAULTS.maxSteps})
  --optimizer NAME   fire (default) or lbfgs
${FIXED.replace('default: what the file', "default: what START")}
  --out FILE         the band, start to end: .extxyz/.xyz (energies, forces), .traj or XDATCAR
JSON: {"start", "end", "model", "converged", "steps", "fmax", "climb", "energies" (eV, every
       image, the start to the end), "distances" (Å along the path), "highest" (the highest image),
       "barrier", "fit" ({"distances", "energies"}: the curve through the images that their forces
       along the path shape, from the start's energy, as ASE's NEBTools draws it), "fittedBarrier"
       (its highest point), "reverseBarrier", "reactionEnergy" (eV), "endForces" (the largest force at each
       end, eV/Å), "path" (where the images started: "linear" also when IDPP did not converge, as
       the message says; "given" from a band given image by image), "relaxedEnds" ({"steps",
       "converged"}, the start's then the end's; null with --no-relax-ends), "images", "message", "warnings"?
       (a trained potential)}
Exit status: 0 when the band converged, 1 when it did not or a file or the calculation failed, 2
for bad usage, 130 (143) when Ctrl-C (SIGTERM) stopped it. Progress goes to stderr every 10 s.`;

const COMMON_OPTIONS = { ...valueOptions('model', 'frame', 'backend'), ...READ_LIMIT_OPTIONS, param: { type: 'string' as const, multiple: true as const }, ...flagOptions('json') };

/** Reads a number option; throws a usage message naming it. */
function num(values: Record<string, unknown>, key: string, fallback: number, check: (x: number) => boolean = Number.isFinite, what = 'a number'): number {
  const v = values[key];
  if (v === undefined) return fallback;
  const x = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageProblem(`--${key} ${String(v)}: expected ${what}`);
  return x;
}

/** Three whole numbers from 1 to `max` (`5,5,3`, `5x5x3` or one `5` for all three), or null when not given; throws a usage message naming the option. */
function triple(values: Record<string, unknown>, key: string, max: number): [number, number, number] | null {
  const v = values[key];
  if (v === undefined) return null;
  const three = parseTriple(String(v), max);
  if (!three) throw new UsageProblem(`--${key} ${String(v)}: expected three whole numbers from 1 to ${max} (like 5,5,3) or one for all three`);
  return three;
}

/**
 * The atoms held: `--fixed`'s when it is given, else what the file holds (a POSCAR's selective
 * dynamics, an ASE database's FixAtoms, FixScaled and FixCartesian, an extended XYZ's move_mask:
 * sim/constraints.ts), whole atoms and atoms held along some axes, said on stderr.
 */
function withFileConstraints<P extends RelaxParameters | MdParameters>(ctx: CommandContext, file: string, structure: Structure, params: P, given: unknown): P {
  const held = heldAtoms(ctx, file, structure, given);
  return held ? { ...params, ...held } : params;
}

/** What `withFileConstraints` holds: `--fixed`'s atoms or the file's (said on stderr), or null when neither holds any. */
function heldAtoms(ctx: CommandContext, file: string, structure: Structure, given: unknown): { fixed: number[]; axisConstraints: AxisConstraint[] } | null {
  if (given !== undefined) return { fixed: given === 'none' ? [] : pickedAtoms('fixed', given, structure, file), axisConstraints: [] };
  const c = fileConstraints(structure);
  const text = c ? describeFileConstraints(c) : '';
  if (!c || !text) return null;
  ctx.io.err(`note: ${file}: ${text}; --fixed replaces this, --fixed none holds no atom`);
  return { fixed: c.fixed, axisConstraints: c.partial };
}

/**
 * A band holds the same atoms in each of its structures: `--fixed` picks in OTHER (the end, a given
 * image) the atoms it picks in START (a plane like `z<8.5` may pick others there), and a file that holds
 * atoms itself (selective dynamics, FixAtoms, move_mask) holds START's. Throws naming OTHER, the file
 * the difference concerns: a `UsageProblem` for `--fixed`, a `SimulationInputError` for the file's own.
 */
function sameHeldAtoms(startFile: string, fixed: readonly number[], otherFile: string, other: Structure, given: unknown): void {
  const same = (atoms: readonly number[]) => atoms.length === fixed.length && atoms.every((i, k) => i === fixed[k]);
  if (given !== undefined) {
    if (given === 'none') return;
    const picked = pickedAtoms('fixed', given, other, otherFile);
    if (!same(picked)) {
      throw new UsageProblem(
        `--fixed ${String(given)} picks atoms ${indexList(fixed)} of ${startFile} but ${indexList(picked)} of ${otherFile}: a band holds the same atoms in each of its structures; give them by index`,
      );
    }
    return;
  }
  const c = fileConstraints(other);
  if (!c || !describeFileConstraints(c)) return;
  if (c.partial.length) throw new SimulationInputError(`the file holds ${c.partial.length} atom(s) along some axes only: a band holds whole atoms; give them with --fixed`);
  if (!same(c.fixed)) {
    throw new SimulationInputError(
      `the file holds atoms ${indexList(c.fixed) || 'none'} fixed, ${startFile} ${indexList(fixed) || 'none'}: a band holds the same atoms in each of its structures; give them with --fixed`,
    );
  }
}

const positiveInt = (x: number) => Number.isInteger(x) && x >= 1;
const nonNegativeInt = (x: number) => Number.isInteger(x) && x >= 0;
const positive = (x: number) => x > 0;

interface Loaded {
  structure: Structure;
  opened: OpenedCalculator;
}

/**
 * A trained potential's watch over its training structures (null for a built-in calculator): every frame
 * of the run is checked against them, as in the app, and the run's JSON carries its "warnings".
 */
function domainWatch({ structure, opened }: Loaded, task: SimulationParameters['task']): TrajectoryDomainWatch | null {
  return opened.potential ? trajectoryDomainWatch(opened.potential.domain, structure, task) : null;
}

/** What a task whose result is its summary (eos, elastic, vibrations, phonons) gives: the summary, the run's message and a trained potential's warnings (null for a built-in). */
interface Summarised<T extends SimulationSummary['task']> {
  s: Extract<SimulationSummary, { task: T }>;
  /** The structure the run ended on (for phonons, the unit cell the force constants were measured on). */
  final: Structure | null;
  message: string;
  warnings: string[] | null;
}

/**
 * Runs such a task with a trained potential's watch over its training structures: its result, or the
 * exit status when it gave none (the reason said on stderr, with the watch's warnings; 130 (143) when Ctrl-C (SIGTERM)
 * stopped it, after `onStopped` has printed what the run did, given the run's message). `onStep`: every step's values.
 */
async function summarised<T extends SimulationSummary['task']>(
  ctx: CommandContext,
  task: T,
  file: string,
  loaded: Loaded,
  params: SimulationParameters,
  { onStep, onStopped }: { onStep?: SimulationHooks['onStep']; onStopped?: (message: string, status: number) => void } = {},
): Promise<Summarised<T> | number> {
  const watch = domainWatch(loaded, task);
  const out = await simulate(ctx, task, file, loaded, params, { ...(watch ? { domain: watch } : {}), ...(onStep ? { onStep } : {}) });
  if (typeof out === 'number') return out;
  if (out.summary?.task !== task) {
    ctx.io.err(`latticework ${task}: ${file}: ${out.message}`);
    // where the potential left its training structures may be why
    for (const w of watch?.warnings ?? []) ctx.io.err(`warning: ${w}`);
    if (out.status !== 'cancelled') return 1;
    onStopped?.(out.message, stoppedStatus());
    return stoppedStatus();
  }
  return { s: out.summary as Extract<SimulationSummary, { task: T }>, final: out.final, message: out.message, warnings: watch ? watch.warnings : null };
}

/** The JSON of elastic constants: file and model, the summary's fields but its task, the message, and a trained potential's warnings. */
function summaryJson(file: string, model: string, r: Summarised<'elastic'>): string {
  const { task: _task, ...fields } = r.s;
  return JSON.stringify({ file, model, ...fields, message: r.message, ...(r.warnings ? { warnings: r.warnings } : {}) });
}

/**
 * Structure `--{option}` of FILE (default the last); prints the problem and returns a status when there is none.
 * What the reader said of the file and of that structure goes to stderr (a 2D cell given a vector normal to it).
 */
async function readStructureOption(ctx: CommandContext, command: string, file: string, values: Record<string, unknown>, option: string, usage: string): Promise<Structure | number> {
  const read = await readAll(ctx, command, file, values);
  if (typeof read === 'number') return read;
  const { structures } = read;
  let frame: number;
  try {
    frame = num(values, option, structures.length - 1, nonNegativeInt, 'a structure index from 0');
  } catch (e) {
    return usageError(ctx.io, command, (e as Error).message, usage);
  }
  if (frame >= structures.length) return usageError(ctx.io, command, `--${option} ${frame}: ${file} holds ${structures.length} structure${structures.length === 1 ? '' : 's'} (0-based)`);
  sayRead(ctx, command, file, read, [frame]);
  return structures[frame];
}

/** What the reader said of FILE as a whole and of the structures a command takes from it (`frames`), on stderr: 'latticework relax: warning: FILE: …'. */
function sayRead(ctx: CommandContext, command: string, file: string, read: FileStructures, frames: readonly number[]): void {
  for (const w of readerWarnings(read, frames)) ctx.io.err(`latticework ${command}: warning: ${file}: ${w}`);
}

/**
 * A band given image by image, start to end: every structure of one file (at least three), or the last
 * structure of each of three files or more (VASP's 00/POSCAR, 01/CONTCAR, …); each with where it was
 * read, what the reader said of it on stderr. Prints the problem and returns a status when it is no band.
 */
async function readBand(ctx: CommandContext, files: readonly string[], values: Record<string, unknown>): Promise<{ structure: Structure; from: string }[] | number> {
  const band: { structure: Structure; from: string }[] = [];
  for (const file of files) {
    const read = await readAll(ctx, 'neb', file, values);
    if (typeof read === 'number') return read;
    const { structures } = read;
    const taken = files.length === 1 ? structures.map((_, k) => k) : [structures.length - 1];
    sayRead(ctx, 'neb', file, read, taken);
    band.push(...taken.map((k) => ({ structure: structures[k], from: files.length === 1 ? `${file}: structure ${k}` : file })));
  }
  if (band.length < 3) {
    ctx.io.err(`latticework neb: ${files[0]}: a band file holds the start, at least one image and the end; this one holds ${band.length} structure${band.length === 1 ? '' : 's'} (give START and END files to start a band on the straight line)`);
    return 1;
  }
  return band;
}

/** Every structure of FILE (within --max-atoms, --max-bytes); prints the problem (file, line) and returns a status when it cannot be read. */
async function readAll(ctx: CommandContext, command: string, file: string, values: Record<string, unknown>): Promise<FileStructures | number> {
  try {
    return await readStructuresInPlace(resolve(ctx.cwd, file), file, readLimits(values));
  } catch (e) {
    if (e instanceof UsageProblem) return usageError(ctx.io, command, e.message);
    const d = structureErrorData(e, file);
    ctx.io.err(`latticework ${command}: ${file}: ${d.message}`);
    return 1;
  }
}

/** The structure of FILE (--frame) and the calculator of --model; prints the problem and returns a status when either fails. */
async function load(ctx: CommandContext, command: string, file: string, values: Record<string, unknown>, usage: string): Promise<Loaded | number> {
  const structure = await readStructureOption(ctx, command, file, values, 'frame', usage);
  if (typeof structure === 'number') return structure;
  const opened = await openModel(ctx, command, values, usage);
  return typeof opened === 'number' ? opened : { structure, opened };
}

/** The calculator of --model (--param, --backend); prints the problem and returns a status when it cannot be opened. */
async function openModel(ctx: CommandContext, command: string, values: Record<string, unknown>, usage: string): Promise<OpenedCalculator | number> {
  try {
    return await openCalculator(String(values.model), (values.param as string[] | undefined) ?? [], ctx.cwd, values.backend as string | undefined);
  } catch (e) {
    if (e instanceof CalculatorChoiceError) return usageError(ctx.io, command, e.message, usage);
    ctx.io.err(`latticework ${command}: ${(e as Error).message}`);
    return 1;
  }
}

/**
 * The files a command will write (option → name), checked before the run: new, in a folder that
 * exists, and in a format that holds the structure (a molecule has no cell for a POSCAR or an
 * XDATCAR). Prints the first problem and returns the exit status 2; null when all can be written.
 */
function outputsProblem(ctx: CommandContext, command: string, outputs: Record<string, string | undefined>, { structure, opened }: Loaded): number | null {
  for (const [option, name] of Object.entries(outputs)) {
    if (name === undefined) continue;
    const problem = outputFileProblem(ctx.cwd, option, name) ?? cellFormatProblem(option, name, structure.lattice !== null);
    if (problem) {
      opened.calculator.dispose?.();
      return usageError(ctx.io, command, problem);
    }
  }
  return null;
}

/**
 * A run's frames written to `--out NAME` (extended XYZ, `.traj` or XDATCAR by the name) as they come
 * (`TrajectoryFile`: the file is created at the first frame, and a run stopped any way keeps every frame
 * written). A write that fails all the same (a full disk) is said at once, naming the option and file;
 * no later frame is written, and the run goes on (its results are printed, the exit status is 1, as
 * `writeOutput`). `close` ends the file; an XDATCAR leaves out the atoms the run held, which is then
 * said on stderr with the option that gives them back.
 */
function trajectoryOut(ctx: CommandContext, command: string, name: string, atoms: TrajectoryAtoms) {
  const kind = outputFormat(name);
  const format: TrajectoryFileFormat = kind === 'traj' || kind === 'xdatcar' ? kind : 'extxyz';
  const file = new TrajectoryFile(resolve(ctx.cwd, name), format, atoms);
  let failed = false;
  const fail = (e: unknown) => {
    failed = true;
    ctx.io.err(`latticework ${command}: --out ${name}: ${(e as Error).message}`);
  };
  return {
    write(frame: TrajectoryFrame): void {
      if (failed) return;
      try {
        file.write(frame);
      } catch (e) {
        fail(e);
      }
    },
    /** Frames written. */
    get count(): number {
      return file.count;
    },
    /** Ends the file; whether every frame was written. */
    close(): boolean {
      try {
        file.close();
      } catch (e) {
        if (!failed) fail(e);
      }
      const left = failed ? null : heldNotWritten(format, atoms);
      if (left) ctx.io.err(`note: ${name}: ${left.note}; --fixed ${left.atoms.replace(/ /g, '')} gives them back to a command that reads it (structure msd, md, neb)`);
      return !failed;
    },
  };
}

/** Writes an output file; when it fails all the same (a full disk), says so naming the option and file, and returns false: the results are still printed, the exit status is 1. */
async function writeOutput(ctx: CommandContext, command: string, option: string, name: string, write: (path: string) => unknown): Promise<boolean> {
  try {
    await write(resolve(ctx.cwd, name));
    return true;
  } catch (e) {
    ctx.io.err(`latticework ${command}: --${option} ${name}: ${(e as Error).message}`);
    return false;
  }
}
/** A line of progress on stderr at most this often (a short run prints none). */
const PROGRESS_MS = 10_000;
/** The run lets Node see a Ctrl-C at least this often (the steps themselves never wait on the event loop). */
const YIELD_MS = 50;

/** Where a run is, for its progress line: the step and the values that tell how it goes. */
function progressText(params: SimulationParameters, nAtoms: number, step: number, v: StepValues): string {
  if (params.task === 'md') return `step ${step} of ${params.steps} (${fmt(step * params.timestep, 1)} fs), T ${fmt(v.temperature, 1)} K, E_tot ${fmt(v.total)} eV`;
  if (params.task === 'relax') return `step ${step} (at most ${params.maxSteps}), energy ${fmt(v.energy)} eV, fmax ${fmt(v.fmax, 4)} eV/Å`;
  if (params.task === 'eos') return `volume ${step + 1} of ${params.points}`;
  if (params.task === 'elastic') return `strained cell ${step + 1} of ${plannedSteps(params, nAtoms)}`;
  if (params.task === 'neb') return `step ${step} (at most ${params.maxSteps}), barrier ${fmt(v.barrier, 4)} eV, fmax ${fmt(v.fmax, 4)} eV/Å`;
  // phonons: 6N steps for the force calls (fewer calls with the symmetry), then as many for the wave vectors
  if (params.task === 'phonons') return step <= 6 * nAtoms ? `force calls, ${Math.round((100 * step) / (6 * nAtoms))} % done` : `wave vectors, ${Math.round((100 * (step - 6 * nAtoms)) / (6 * nAtoms))} % done`;
  return `force call ${step} of ${plannedSteps(params, nAtoms)}`;
}

/**
 * Runs the simulation; a problem with the input (elements the calculator lacks, no cell, …) is
 * printed and gives status 1. Progress goes to stderr every PROGRESS_MS; Ctrl-C stops the run at its
 * next step, said when the run reaches it (it then ends 'cancelled', with what it did so far; a second
 * Ctrl-C quits at once); after its last step there is none: the run completes, nothing said.
 */
async function simulate(ctx: CommandContext, command: string, file: string, loaded: Loaded, params: SimulationParameters, hooks: SimulationHooks = {}): Promise<SimulationOutcome | number> {
  const { structure, opened } = loaded;
  const { signal, off: offStop } = stepStopSignal((sig) => ctx.io.err(`latticework ${command}: ${file}: stopping at the next step (${signalName(sig)} again quits at once)`));
  let told = performance.now();
  let yielded = performance.now();
  /** A progress line at most every PROGRESS_MS, and the event loop let run (a Ctrl-C) at least every YIELD_MS. */
  const between = async (line: () => string) => {
    const now = performance.now();
    if (now - told >= PROGRESS_MS) {
      told = now;
      ctx.io.err(`latticework ${command}: ${file}: ${line()}`);
    }
    if (now - yielded >= YIELD_MS) {
      await new Promise((r) => setImmediate(r));
      yielded = performance.now();
    }
  };
  const onStep = async (step: number, values: StepValues) => {
    await hooks.onStep?.(step, values);
    await between(() => progressText(params, structure.numbers.length, step, values));
  };
  const onWork = (what: string) => between(() => what);
  try {
    checkSimulationInput(structure, opened.spec, params);
    let symmetry: SymmetryOperations | undefined;
    const tolerance = symmetryTolerance(params);
    if (tolerance !== null) {
      if (structure.numbers.length > SPACE_GROUP_REPORT_MAX_SITES) ctx.io.err(`note: ${file}: finding the space group of ${structure.numbers.length} atoms (a large cell with a defect can take seconds)`);
      symmetry = await symmetryOperations(structure, tolerance);
      const use = keepsSymmetry(params) ? 'keeping its space group' : 'displacing by its space group';
      ctx.io.err(`note: ${file}: ${use} ${symmetry.symbol} (No. ${symmetry.number}; ${symmetry.rotations.length} operations found at ${symmetry.symprec} Å)`);
    }
    const out = await runSimulation(structure, opened.calculator, params, { ...hooks, onStep, onWork, signal, ...(symmetry ? { symmetry } : {}) });
    // the run is over without being stopped: a signal now is too late to stop it, and is left unheard while the
    // result is written and printed (the command ends with its status, not 130 or 143)
    if (out.status !== 'cancelled') leaveStopSignalsUnheard();
    // a relaxation says whether the crystal kept its symmetry
    return await withRelaxationSpaceGroups(out, structure, symmetry);
  } catch (e) {
    ctx.io.err(`latticework ${command}: ${file}: ${(e as Error).message}`);
    return 1;
  } finally {
    offStop();
    opened.calculator.dispose?.();
  }
}

/**
 * Refuses an option given that does nothing in the mode chosen (bad usage, a `UsageProblem`): `why`
 * per option is the rest of the sentence after "--option", or null where the option acts.
 */
function refuseIdle(values: Record<string, unknown>, why: Record<string, string | null>): void {
  for (const [option, reason] of Object.entries(why)) if (reason !== null && values[option] !== undefined) throw new UsageProblem(`--${option} ${reason}`);
}

function fmt(x: number | null | undefined, digits = 6): string {
  return x === null || x === undefined ? '—' : x.toFixed(digits);
}

function positionsRows(s: Structure): number[][] {
  return Array.from({ length: s.numbers.length }, (_, i) => [s.cart[3 * i], s.cart[3 * i + 1], s.cart[3 * i + 2]]);
}

export const relaxCommand: Command = {
  usage: relaxUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'relax', relaxUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('fmax', 'steps', 'optimizer', 'out', 'pressure', 'smax', 'fixed', 'minimum'), ...flagOptions('cell', 'hydrostatic', 'symmetry', 'stop-when-extrapolating') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'relax', 'one structure FILE and --model are required', relaxUsage);
    const file = positionals[0];
    const d = SIMULATION_DEFAULTS.relax;
    let params: RelaxParameters;
    try {
      const optimizer = values.optimizer ?? d.optimizer;
      if (optimizer !== 'fire' && optimizer !== 'lbfgs') throw new UsageProblem(`--optimizer ${optimizer}: use fire or lbfgs`);
      const minimum = values.minimum;
      if (minimum !== undefined && minimum !== 'check' && minimum !== 'escape') throw new UsageProblem(`--minimum ${minimum}: use check or escape`);
      if (values.out !== undefined && !['cif', 'poscar', 'xyz'].includes(outputFormat(values.out) ?? '')) throw new UsageProblem(`--out ${values.out}: name it *.cif, *.vasp (or POSCAR), *.xyz or *.extxyz`);
      const cellOnly = values.cell ? null : 'goes with --cell: without it the cell stays as it is';
      refuseIdle(values, { pressure: cellOnly, smax: cellOnly, hydrostatic: cellOnly });
      params = {
        ...d,
        optimizer,
        fmax: num(values, 'fmax', d.fmax, positive, 'a positive number of eV/Å'),
        maxSteps: num(values, 'steps', d.maxSteps, nonNegativeInt, 'a whole number of steps'),
        cell: !!values.cell,
        pressure: num(values, 'pressure', d.pressure, (x) => Math.abs(x) <= MAX_PRESSURE_GPA, PRESSURE_RANGE_TEXT),
        smax: num(values, 'smax', d.smax, positive, 'a positive number of GPa'),
        hydrostatic: !!values.hydrostatic,
        symmetry: !!values.symmetry,
        stopWhenExtrapolating: !!values['stop-when-extrapolating'],
        ...(minimum && { minimum }),
      };
    } catch (e) {
      return usageError(ctx.io, 'relax', (e as Error).message, relaxUsage);
    }
    const loaded = await load(ctx, 'relax', file, values, relaxUsage);
    if (typeof loaded === 'number') return loaded;
    try {
      params = withFileConstraints(ctx, file, loaded.structure, params, values.fixed);
    } catch (e) {
      return usageError(ctx.io, 'relax', (e as Error).message, relaxUsage);
    }
    const unwritable = outputsProblem(ctx, 'relax', { out: values.out }, loaded);
    if (unwritable !== null) return unwritable;
    const watch = domainWatch(loaded, 'relax');
    const out = await simulate(ctx, 'relax', file, loaded, params, watch ? { domain: watch } : {});
    if (typeof out === 'number') return out;
    const final = out.final;
    const summary = out.summary?.task === 'relax' ? out.summary : null;
    if (!summary || !final) {
      ctx.io.err(`latticework relax: ${file}: ${out.message}`);
      return 1;
    }
    const outName = values.out;
    const written = outName === undefined || (await writeOutput(ctx, 'relax', 'out', outName, (path) => writeFileSync(path, writeStructures(outputFormat(outName) as 'cif' | 'poscar' | 'xyz', [final]), { flag: 'wx' })));
    const warnings = watch ? watch.warnings : null;
    const spaceGroups = summary.spaceGroups ?? null;
    if (values.json) {
      ctx.io.out(
        JSON.stringify({
          file,
          model: loaded.opened.model,
          converged: summary.converged,
          steps: summary.steps,
          energy: summary.energy,
          fmax: summary.fmax,
          message: out.message,
          structure: { lattice: final.lattice, species: Array.from(final.numbers, (z) => elementSymbol(z)), positions: positionsRows(final) },
          ...(spaceGroups ? { spaceGroups: { start: { number: spaceGroups.start.number, symbol: spaceGroups.start.symbol }, end: { number: spaceGroups.end.number, symbol: spaceGroups.end.symbol } } } : {}),
          ...(summary.minimum !== undefined ? { minimum: summary.minimum } : {}),
          ...(warnings ? { warnings } : {}),
        }),
      );
    } else {
      ctx.io.out(`${file}  ${loaded.opened.model}${loaded.opened.backend ? ` (${loaded.opened.backend})` : ''}  ${out.message}`);
      ctx.io.out(`energy ${fmt(summary.energy)} eV (${fmt(summary.energy / final.numbers.length)} eV/atom)${summary.pressure === null ? '' : `, pressure ${fmt(summary.pressure, 4)} GPa`}${summary.volume === null ? '' : `, volume ${fmt(summary.volume, 4)} Å³`}`);
      if (final.lattice) for (const [k, r] of final.lattice.entries()) ctx.io.out(`  ${'abc'[k]}  ${r.map((x) => x.toFixed(6).padStart(12)).join(' ')}`);
      if (summary.refinedBy !== undefined) ctx.io.out(`the start moved by at most ${summary.refinedBy.toExponential(2)} Å onto the ideal positions of its space group`);
      if (spaceGroups) ctx.io.out(spaceGroupChangeText(spaceGroups));
      for (const w of warnings ?? []) ctx.io.out(`warning: ${w}`);
      if (values.out && written) ctx.io.out(`relaxed structure written to ${values.out}`);
    }
    return out.status === 'cancelled' ? stoppedStatus() : out.status === 'finished' && summary.converged && written ? 0 : 1;
  },
};

export const mdCommand: Command = {
  usage: mdUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'md', mdUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('ensemble', 'temperature', 'timestep', 'steps', 'every', 'seed', 'velocities', 'out', 'thermostat', 'friction', 'tau', 'pressure', 'barostat', 'barostat-tau', 'cell-motion', 'fixed'), ...flagOptions('stop-when-extrapolating') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'md', 'one structure FILE and --model are required', mdUsage);
    if (values.velocities !== undefined && values.velocities !== 'file' && values.velocities !== 'maxwell-boltzmann') {
      return usageError(ctx.io, 'md', `--velocities ${values.velocities}: use maxwell-boltzmann or file`, mdUsage);
    }
    const ownVelocities = values.velocities === 'file';
    // an NVE run from the file's velocities has no temperature to set: it is the velocities'
    const temperatureNeeded = !(ownVelocities && values.ensemble === 'nve');
    if (!temperatureNeeded && values.temperature !== undefined) {
      return usageError(ctx.io, 'md', `--temperature ${values.temperature}: an NVE run from the file's velocities runs at their temperature; leave it out, or hold a temperature with nvt or npt`, mdUsage);
    }
    for (const required of ['ensemble', ...(temperatureNeeded ? (['temperature'] as const) : []), 'timestep', 'steps'] as const) {
      if (values[required] === undefined) return usageError(ctx.io, 'md', `--${required} is required`, mdUsage);
    }
    const file = positionals[0];
    const d = SIMULATION_DEFAULTS.md;
    let params: MdParameters;
    try {
      const ensemble = values.ensemble!;
      if (ensemble !== 'nve' && ensemble !== 'nvt' && ensemble !== 'npt') throw new UsageProblem(`--ensemble ${ensemble}: use nve, nvt or npt`);
      const barostat = values.barostat ?? d.barostat!;
      if (barostat !== 'berendsen' && barostat !== 'mtk') throw new UsageProblem(`--barostat ${barostat}: use berendsen or mtk`);
      const npt = ensemble === 'npt' ? null : `goes with --ensemble npt, not ${ensemble}`;
      refuseIdle(values, { barostat: npt, pressure: npt, 'barostat-tau': npt, 'cell-motion': npt, thermostat: ensemble === 'nve' ? 'goes with --ensemble nvt or npt: an NVE run has no thermostat' : null });
      // the MTK barostat comes with Nosé–Hoover chains: they are its thermostat unless another is asked for (and refused)
      const thermostat = values.thermostat ?? (barostat === 'mtk' ? 'nose-hoover' : d.thermostat);
      if (thermostat !== 'langevin' && thermostat !== 'nose-hoover' && thermostat !== 'berendsen') throw new UsageProblem(`--thermostat ${thermostat}: use langevin, nose-hoover or berendsen`);
      if (barostat === 'mtk' && thermostat !== 'nose-hoover') throw new UsageProblem(`--barostat mtk comes with Nosé–Hoover chains: leave out --thermostat ${thermostat}, or use nose-hoover`);
      const theirs = barostat === 'mtk' && ensemble === 'npt' ? "the MTK barostat's Nosé–Hoover chains take" : `the ${thermostat} thermostat takes`;
      refuseIdle(values, {
        tau: ensemble === 'nve' ? 'goes with --ensemble nvt or npt: an NVE run has no thermostat' : thermostat === 'langevin' ? "is the Nosé–Hoover or Berendsen thermostat's time constant: the Langevin thermostat takes --friction" : null,
        friction: ensemble === 'nve' ? 'goes with --ensemble nvt or npt: an NVE run has no thermostat' : thermostat !== 'langevin' ? `is the Langevin thermostat's: ${theirs} --tau` : null,
        seed: ownVelocities && (ensemble === 'nve' || thermostat !== 'langevin') ? "draws the Maxwell–Boltzmann velocities and the Langevin thermostat's noise: this run from the file's velocities uses neither" : null,
      });
      const cellMotion = values['cell-motion'] ?? d.cellMotion!;
      if (cellMotion !== 'isotropic' && cellMotion !== 'flexible') throw new UsageProblem(`--cell-motion ${cellMotion}: use isotropic or flexible`);
      if (cellMotion === 'flexible' && barostat !== 'mtk') throw new UsageProblem("--cell-motion flexible needs --barostat mtk: Berendsen's scales the cell isotropically");
      const outName = values.out;
      if (outName !== undefined && !['xdatcar', 'xyz', 'traj'].includes(outputFormat(outName) ?? '')) throw new UsageProblem(`--out ${outName}: name it *.extxyz (or *.xyz), *.traj or XDATCAR`);
      params = {
        ...d,
        ensemble,
        thermostat,
        barostat,
        cellMotion,
        temperature: num(values, 'temperature', d.temperature, (x) => x >= 0, 'a temperature in K'),
        timestep: num(values, 'timestep', d.timestep, (x) => x > 0 && x <= 50, 'a time step in fs (0 < dt ≤ 50)'),
        steps: num(values, 'steps', d.steps, nonNegativeInt, 'a whole number of steps'),
        every: num(values, 'every', d.every, positiveInt, 'a positive whole number of steps'),
        seed: num(values, 'seed', d.seed, Number.isInteger, 'an integer'),
        friction: num(values, 'friction', d.friction, positive, 'a positive friction in 1/fs'),
        tau: num(values, 'tau', d.tau, positive, 'a positive time in fs'),
        pressure: num(values, 'pressure', d.pressure, (x) => Math.abs(x) <= MAX_PRESSURE_GPA, PRESSURE_RANGE_TEXT),
        barostatTau: num(values, 'barostat-tau', d.barostatTau, positive, 'a positive time in fs'),
        stopWhenExtrapolating: !!values['stop-when-extrapolating'],
        ...(ownVelocities ? { velocities: 'structure' as const } : {}),
      };
    } catch (e) {
      return usageError(ctx.io, 'md', (e as Error).message, mdUsage);
    }
    const loaded = await load(ctx, 'md', file, values, mdUsage);
    if (typeof loaded === 'number') return loaded;
    try {
      params = withFileConstraints(ctx, file, loaded.structure, params, values.fixed);
    } catch (e) {
      return usageError(ctx.io, 'md', (e as Error).message, mdUsage);
    }
    const unwritable = outputsProblem(ctx, 'md', { out: values.out }, loaded);
    if (unwritable !== null) return unwritable;
    if (ownVelocities) {
      let start: number;
      try {
        start = Atoms.fromStructure(loaded.structure, { ...constraintsOf(params), velocities: true }).temperature();
      } catch (e) {
        loaded.opened.calculator.dispose?.();
        ctx.io.err(`latticework md: ${file}: ${(e as Error).message}`);
        return 1;
      }
      // with a thermostat, --temperature is where it takes them
      ctx.io.err(`note: ${file}: the run starts from the file's velocities, at ${start.toFixed(1)} K${params.ensemble === 'nve' ? '' : `; the thermostat takes it to ${params.temperature} K`}`);
      if (values.temperature === undefined) params = { ...params, temperature: start };
    }
    // kept only for what asks for them: every step's values for --json (as columns); the text prints
    // each frame as it comes and --out appends it to the file, so a long run's memory does not grow with it
    const log = values.json ? new StepSeries() : null;
    const { structure, opened } = loaded;
    const watch = domainWatch(loaded, 'md');
    const trajectory = values.out ? trajectoryOut(ctx, 'md', values.out, { numbers: structure.numbers, pbc: structure.pbc, name: structure.name, held: constraintsOf(params) }) : null;
    const onFrame = (f: SimulationFrame) => {
      trajectory?.write(f);
      if (values.json) return;
      if (f.step === 0) {
        ctx.io.out(`${file}  ${opened.model}${opened.backend ? ` (${opened.backend})` : ''}  ${params.ensemble}${params.ensemble === 'nve' ? '' : ` ${params.thermostat}`}`);
        ctx.io.out('    step      time/fs     E_pot/eV     E_kin/eV     E_tot/eV       T/K    P/GPa');
      }
      const v = f.values;
      ctx.io.out(
        `${String(f.step).padStart(8)} ${fmt(f.time, 2).padStart(12)} ${fmt(v.potential, 5).padStart(12)} ${fmt(v.kinetic, 5).padStart(12)} ${fmt(v.total, 5).padStart(12)} ${fmt(v.temperature, 1).padStart(9)} ${fmt(v.pressure, 3).padStart(8)}`,
      );
    };
    const out = await simulate(ctx, 'md', file, loaded, params, { onFrame, onStep: (_, v) => log?.push(v), ...(watch ? { domain: watch } : {}) });
    const written = trajectory?.close() ?? true;
    if (typeof out === 'number') return out;
    const summary = out.summary?.task === 'md' ? out.summary : null;
    // a trained potential's warnings, and an NVE run that did not keep its energy
    const notes = summary ? mdNotes(summary, params.ensemble) : [];
    for (const n of notes) ctx.io.err(`latticework md: warning: ${file}: ${n}`);
    const warnings = watch || notes.length ? [...(watch?.warnings ?? []), ...notes] : null;
    if (log) {
      const series = (key: string) => log.values(key);
      ctx.io.out(
        JSON.stringify({
          file,
          model: opened.model,
          steps: summary?.steps ?? 0,
          energy: series('total'),
          temperature: series('temperature'),
          drift: summary?.drift ?? null,
          potential: series('potential'),
          kinetic: series('kinetic'),
          pressure: series('pressure'),
          time: Array.from({ length: log.length }, (_, i) => i * params.timestep),
          msd: series('msd'),
          diffusion: summary?.diffusion ?? null,
          diffusionVerdict: summary?.diffusionVerdict ?? null,
          ...(summary?.diffusionByElement
            ? {
                msdByElement: Object.fromEntries(Object.keys(summary.diffusionByElement).map((sym) => [sym, series(`msd:${sym}`)])),
                diffusionByElement: summary.diffusionByElement,
                diffusionVerdictByElement: summary.diffusionVerdictByElement ?? null,
              }
            : {}),
          ...(log.has('forceSpread') ? { forceSpread: series('forceSpread') } : {}),
          message: out.message,
          ...(warnings ? { warnings } : {}),
        }),
      );
    } else {
      ctx.io.out(out.message);
      if (summary) {
        const diffusion = diffusionText(summary);
        ctx.io.out(`drift ${driftText(summary.drift, 3)}; second half: mean T ${fmt(summary.meanTemperature, 1)} K${summary.meanPressure === null ? '' : `, mean P ${fmt(summary.meanPressure, 3)} GPa`}${diffusion && `, ${diffusion}`}`);
      }
      for (const w of watch?.warnings ?? []) ctx.io.out(`warning: ${w}`);
      if (trajectory?.count && written) ctx.io.out(`${trajectory.count} frames written to ${values.out}`);
    }
    return out.status === 'cancelled' ? stoppedStatus() : out.status === 'finished' && out.stoppedAt === undefined && written ? 0 : 1;
  },
};

export const eosCommand: Command = {
  usage: eosUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'eos', eosUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('points', 'range', 'fmax'), ...flagOptions('relax') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'eos', 'one structure FILE and --model are required', eosUsage);
    const file = positionals[0];
    const d = SIMULATION_DEFAULTS.eos;
    let params: SimulationParameters;
    try {
      refuseIdle(values, { fmax: values.relax ? null : 'goes with --relax: without it the atoms are not relaxed' });
      params = {
        ...d,
        relax: !!values.relax,
        fmax: num(values, 'fmax', d.fmax, positive, 'a positive number of eV/Å'),
        points: num(values, 'points', d.points, (x) => Number.isInteger(x) && x >= 5 && x <= 200, 'a whole number of volumes from 5 to 200'),
        range: num(values, 'range', d.range, (x) => x > 0 && x < 0.5, 'a fraction of the volume between 0 and 0.5'),
      };
    } catch (e) {
      return usageError(ctx.io, 'eos', (e as Error).message, eosUsage);
    }
    const loaded = await load(ctx, 'eos', file, values, eosUsage);
    if (typeof loaded === 'number') return loaded;
    const heading = `${file}  ${loaded.opened.model}${loaded.opened.backend ? ` (${loaded.opened.backend})` : ''}`;
    const table = (points: readonly (readonly [number, number])[]) => {
      ctx.io.out('   V/Å³          E/eV');
      for (const [v, e] of points) ctx.io.out(`${v.toFixed(4).padStart(10)}  ${e.toFixed(6).padStart(12)}`);
    };
    // the volumes done, for a run Ctrl-C or SIGTERM stops: it prints them (no fit), as md and relax print what they did
    const done: [number, number][] = [];
    const r = await summarised(ctx, 'eos', file, loaded, params, {
      onStep: (_, v) => {
        if (v.volume != null && v.energy != null) done.push([v.volume, v.energy]);
      },
      onStopped: (message, status) => {
        // with --json the error document of a stopped command ({"error": {"message", "status", "stoppedBy"}}), with the volumes done
        const signal = stoppedBy(status);
        if (values.json) ctx.io.out(JSON.stringify({ error: { message: `${file}: ${message}`, status, ...(signal && { stoppedBy: signal }) }, file, model: loaded.opened.model, points: done }));
        else {
          ctx.io.out(`${heading}  ${message}${params.relax ? ' (atoms relaxed at each)' : ''}: no fit`);
          table(done);
        }
      },
    });
    if (typeof r === 'number') return r;
    const { s, warnings } = r;
    if (values.json) {
      ctx.io.out(JSON.stringify({ file, model: loaded.opened.model, v0: s.v0, e0: s.e0, b0GPa: s.b0GPa, b0prime: s.b0prime, points: s.points, rms: s.rms, unconverged: s.unconverged, ...(warnings ? { warnings } : {}) }));
    } else {
      ctx.io.out(`${heading}  Birch–Murnaghan fit of ${s.points.length} volumes${params.relax ? ' (atoms relaxed at each)' : ''}`);
      table(s.points);
      ctx.io.out(`V0 ${s.v0.toFixed(4)} Å³, E0 ${s.e0.toFixed(6)} eV, B0 ${s.b0GPa.toFixed(2)} GPa, B0' ${s.b0prime.toFixed(3)} (rms residual ${s.rms.toExponential(2)} eV)`);
      for (const w of warnings ?? []) ctx.io.err(`warning: ${w}`);
    }
    // with --json too: the points are then not all energies of relaxed atoms
    if (s.unconverged.length) {
      const volumes = s.unconverged.map((v) => v.toFixed(4)).join(', ');
      ctx.io.err(`latticework eos: ${file}: the relaxation did not converge at ${s.unconverged.length} volume(s) (${volumes} Å³): their energies are not of relaxed atoms`);
    }
    return 0;
  },
};

export const elasticCommand: Command = {
  usage: elasticUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'elastic', elasticUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('strain', 'fmax'), ...flagOptions('no-relax') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'elastic', 'one structure FILE and --model are required', elasticUsage);
    const file = positionals[0];
    const d = SIMULATION_DEFAULTS.elastic;
    let params: ElasticParameters;
    try {
      refuseIdle(values, { fmax: values['no-relax'] ? 'is the relaxations\' tolerance: --no-relax relaxes nothing' : null });
      params = {
        ...d,
        relax: !values['no-relax'],
        strain: num(values, 'strain', d.strain, (x) => x > 0 && x <= 0.05, 'a strain above 0 and at most 0.05'),
        fmax: num(values, 'fmax', d.fmax, positive, 'a positive number of eV/Å'),
      };
    } catch (e) {
      return usageError(ctx.io, 'elastic', (e as Error).message, elasticUsage);
    }
    const loaded = await load(ctx, 'elastic', file, values, elasticUsage);
    if (typeof loaded === 'number') return loaded;
    const r = await summarised(ctx, 'elastic', file, loaded, params);
    if (typeof r === 'number') return r;
    const { s, warnings } = r;
    if (values.json) {
      ctx.io.out(summaryJson(file, loaded.opened.model, r));
    } else {
      ctx.io.out(`${file}  ${loaded.opened.model}${loaded.opened.backend ? ` (${loaded.opened.backend})` : ''}  elastic constants, GPa (strains to ±${params.strain})`);
      for (const row of s.cGPa) ctx.io.out(row.map((x) => gpaText(x).padStart(9)).join(''));
      ctx.io.out(`bulk modulus ${gpaText(s.bulkModulusGPa.voigt)} / ${gpaText(s.bulkModulusGPa.reuss)} / ${gpaText(s.bulkModulusGPa.hill)} GPa, shear modulus ${gpaText(s.shearModulusGPa.voigt)} / ${gpaText(s.shearModulusGPa.reuss)} / ${gpaText(s.shearModulusGPa.hill)} GPa (Voigt / Reuss / Hill)`);
      ctx.io.out(`Young's modulus ${gpaText(s.youngGPa)} GPa, Poisson's ratio ${s.poisson === null ? '—' : s.poisson.toFixed(3)}; ${stabilityText(s)}`);
      for (const note of elasticNotes(s)) ctx.io.err(`latticework elastic: ${file}: ${note}`);
      for (const w of warnings ?? []) ctx.io.err(`warning: ${w}`);
    }
    return 0;
  },
};

export const vibrationsCommand: Command = {
  usage: vibrationsUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'vibrations', vibrationsUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('atoms', 'delta', 'mode', 'out'), ...flagOptions('modes') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'vibrations', 'one structure FILE and --model are required', vibrationsUsage);
    const file = positionals[0];
    let delta: number;
    let mode: number | null;
    try {
      delta = num(values, 'delta', SIMULATION_DEFAULTS.vibrations.delta, (x) => x > 0 && x <= 0.1, 'a displacement in Å (0 < D ≤ 0.1)');
      mode = values.mode === undefined ? null : num(values, 'mode', 0, nonNegativeInt, 'a mode index from 0');
      if ((mode === null) !== (values.out === undefined)) throw new UsageProblem('--mode K and --out FILE go together: the mode to write and where');
      refuseIdle(values, { modes: values.json ? null : 'goes with --json: the modes\' displacements are written in the JSON' });
      if (values.out !== undefined && !['xyz', 'traj', 'xdatcar'].includes(outputFormat(values.out) ?? '')) throw new UsageProblem(`--out ${values.out}: name it *.extxyz (or *.xyz), *.traj or XDATCAR`);
    } catch (e) {
      return usageError(ctx.io, 'vibrations', (e as Error).message, vibrationsUsage);
    }
    const loaded = await load(ctx, 'vibrations', file, values, vibrationsUsage);
    if (typeof loaded === 'number') return loaded;
    const { structure, opened } = loaded;
    const n = structure.numbers.length;
    // the atoms that do not vibrate are the run's fixed atoms: the complement of --atoms, or what the file holds fixed
    let fixed: number[];
    try {
      if (values.atoms !== undefined) {
        const chosen = new Set(pickedAtoms('atoms', values.atoms, structure, file));
        fixed = Array.from({ length: n }, (_, i) => i).filter((i) => !chosen.has(i));
      } else {
        fixed = fileConstraints(structure)?.fixed ?? [];
        if (fixed.length) ctx.io.err(`note: ${file}: the ${fixed.length} atoms the file holds fixed do not vibrate (${indexList(fixed)}); --atoms chooses`);
      }
      if (mode !== null && mode >= 3 * (n - fixed.length)) throw new UsageProblem(`--mode ${mode}: ${n - fixed.length} vibrating atoms have ${3 * (n - fixed.length)} modes (0-based)`);
    } catch (e) {
      opened.calculator.dispose?.();
      return usageError(ctx.io, 'vibrations', (e as Error).message, vibrationsUsage);
    }
    const unwritable = outputsProblem(ctx, 'vibrations', { out: values.out }, loaded);
    if (unwritable !== null) return unwritable;
    const params: SimulationParameters = { task: 'vibrations', delta, fixed };
    const r = await summarised(ctx, 'vibrations', file, loaded, params);
    if (typeof r === 'number') return r;
    const { s, warnings } = r;
    const outName = values.out;
    let written = true;
    if (mode !== null && outName) {
      const frames = modeFrames(structure, s.modes![mode], s.energies[mode] / 1000, mode);
      written = await writeOutput(ctx, 'vibrations', 'out', outName, (path) => writeFrames(path, outputFormat(outName)!, frames));
    }
    if (values.json) {
      const rows = (m: number[]) => Array.from({ length: m.length / 3 }, (_, i) => [m[3 * i], m[3 * i + 1], m[3 * i + 2]]);
      ctx.io.out(
        JSON.stringify({
          file,
          model: opened.model,
          atoms: s.atoms,
          energies: s.energies,
          frequencies: s.frequencies,
          zpe: s.zpe,
          ...(values.modes ? { modes: s.modes!.map(rows) } : {}),
          linearity: s.linearity,
          ...(warnings ? { warnings } : {}),
        }),
      );
    } else {
      ctx.io.out(`${file}  ${opened.model}${opened.backend ? ` (${opened.backend})` : ''}  ${s.atoms.length} vibrating atoms, displacement ${delta} Å`);
      ctx.io.out('  #      meV      cm^-1');
      s.energies.forEach((e, k) => ctx.io.out(`${String(k).padStart(3)} ${modeText(e, 2).padStart(8)} ${modeText(s.frequencies[k], 1).padStart(10)}`));
      ctx.io.out(r.message);
      for (const w of warnings ?? []) ctx.io.out(`warning: ${w}`);
      if (values.out && written) ctx.io.out(`mode ${mode} written to ${values.out} (30 frames)`);
    }
    return written ? 0 : 1;
  },
};

export const phononsCommand: Command = {
  usage: phononsUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'phonons', phononsUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('supercell', 'mesh', 'delta', 'mode', 'q', 'amplitude', 'out', 'force-constants'), ...flagOptions('no-symmetry') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1 || !values.model) return usageError(ctx.io, 'phonons', 'one structure FILE and --model are required', phononsUsage);
    const file = positionals[0];
    let params: PhononsParameters;
    let mode: number | null;
    let amplitude: number;
    try {
      params = {
        task: 'phonons',
        supercell: triple(values, 'supercell', 50),
        mesh: triple(values, 'mesh', 200),
        delta: num(values, 'delta', SIMULATION_DEFAULTS.phonons.delta, (x) => x > 0 && x <= 0.1, 'a displacement in Å (0 < D ≤ 0.1)'),
        symmetry: !values['no-symmetry'],
      };
      mode = values.mode === undefined ? null : num(values, 'mode', 0, (x) => Number.isInteger(x) && x >= 0, 'a band: 0, 1, 2, ... (ascending in frequency)');
      if ((mode === null) !== (values.out === undefined)) throw new UsageProblem('--mode K and --out FILE go together: the band to write and where');
      if (mode === null && (values.q !== undefined || values.amplitude !== undefined)) throw new UsageProblem('--q and --amplitude choose the mode that --mode K --out FILE writes');
      if (values.out !== undefined && !['xyz', 'traj', 'xdatcar', 'cif', 'poscar'].includes(outputFormat(values.out) ?? '')) {
        throw new UsageProblem(`--out ${values.out}: name it *.extxyz (or *.xyz), *.traj or XDATCAR for the animation, *.cif or *.vasp (POSCAR) for the displaced structure`);
      }
      amplitude = num(values, 'amplitude', PHONON_DEFAULTS.amplitude, (x) => x > 0 && x <= 2, 'a distance in Å (0 < A ≤ 2)');
    } catch (e) {
      return usageError(ctx.io, 'phonons', (e as Error).message, phononsUsage);
    }
    const loaded = await load(ctx, 'phonons', file, values, phononsUsage);
    if (typeof loaded === 'number') return loaded;
    // the mode's wave vector, band and supercell, checked before the force calls
    let wave: { q: [number, number, number] } | null = null;
    if (mode !== null && loaded.structure.lattice) {
      const q = parseWaveVector(values.q ?? 'Γ', defaultBandPath(loaded.structure.lattice));
      if (typeof q === 'string') return usageError(ctx.io, 'phonons', `--q ${values.q}: ${q}`, phononsUsage);
      const problem = phononModeProblem(loaded.structure.numbers.length, q, mode);
      if (problem) return usageError(ctx.io, 'phonons', `--mode ${mode} --q ${values.q ?? 'Γ'}: ${problem}`, phononsUsage);
      wave = { q };
    }
    const unwritable = outputsProblem(ctx, 'phonons', { 'force-constants': values['force-constants'], out: values.out }, loaded);
    if (unwritable !== null) return unwritable;
    const r = await summarised(ctx, 'phonons', file, loaded, params);
    if (typeof r === 'number') return r;
    const { s } = r;
    // a trained potential's warnings, and a supercell narrower than the potential's reach
    const notes = phononNotes(s);
    const warnings = r.warnings || notes.length ? [...(r.warnings ?? []), ...notes] : null;
    const fc = r.final && storedForceConstants(r.final, s);
    const fcName = values['force-constants'];
    const fcWritten = fcName === undefined || (await writeOutput(ctx, 'phonons', 'force-constants', fcName, (path) => writeFileSync(path, phonopyForceConstants(fc!), { flag: 'wx' })));
    let written: PhononModeStructures | null = null;
    let modeWritten = true;
    const outName = values.out;
    if (wave && mode !== null && outName) {
      const format = outputFormat(outName)!;
      const still = format === 'cif' || format === 'poscar';
      const band = phononModeStructures(fc!, wave.q, mode, { amplitude, count: still ? 1 : 30, name: r.final!.name });
      written = band;
      modeWritten = await writeOutput(ctx, 'phonons', 'out', outName, async (path) => {
        if (still) writeFileSync(path, writeStructures(format, band.structures), { flag: 'wx' });
        else await writeFrames(path, format, band.structures.map(frameOfStructure));
      });
    }
    const status = fcWritten && modeWritten ? 0 : 1;
    const modeJson = wave && written ? { mode: { band: mode, q: wave.q, frequency: written.frequency, supercell: written.supercell, amplitude } } : {};
    if (values.json) {
      const { task: _task, forceConstants: _fc, ...fields } = s;
      ctx.io.out(JSON.stringify({ file, model: loaded.opened.model, ...fields, ...modeJson, message: r.message, ...(warnings ? { warnings } : {}) }));
      return status;
    }
    ctx.io.out(`${file}  ${loaded.opened.model}${loaded.opened.backend ? ` (${loaded.opened.backend})` : ''}  phonons from a ${s.supercell.join('×')} supercell, ${s.lattice ? `the ${s.lattice} path` : 'the path Γ–X|Γ–Y|Γ–Z'}`);
    ctx.io.out('point       frequencies, THz');
    // the frequencies at each labelled point of the path (the first sampled point at its distance)
    for (const tick of s.bands.ticks) {
      const k = s.bands.distances.findIndex((d) => Math.abs(d - tick.distance) < 1e-9);
      ctx.io.out(`${tick.label.padEnd(10)}  ${s.bands.frequencies[k].map((f) => thzText(f).padStart(7)).join(' ')}`);
    }
    const at300 = s.thermal.temperature.indexOf(300);
    ctx.io.out(
      `at 300 K: free energy ${s.thermal.freeEnergy[at300].toFixed(3)} kJ/mol, entropy ${s.thermal.entropy[at300].toFixed(3)} J/K/mol, heat capacity ${s.thermal.heatCapacity[at300].toFixed(3)} J/K/mol (per mole of cells, from a ${s.mesh.join('×')} mesh); zero-point energy ${s.thermal.freeEnergy[0].toFixed(3)} kJ/mol`,
    );
    ctx.io.out(r.message);
    if (values['force-constants'] !== undefined && fcWritten) ctx.io.out(`force constants written to ${values['force-constants']} (phonopy's FORCE_CONSTANTS; phonopy --readfc -c ${file} --dim "${s.supercell.join(' ')}")`);
    if (wave && written && modeWritten) {
      const count = written.structures.length;
      ctx.io.out(`band ${mode} at q = ${waveVectorText(wave.q)}, ${thzText(written.frequency)} THz, written to ${values.out}: ${count === 1 ? 'the structure displaced along it' : `${count} frames over one period`} in a ${written.supercell.join('×')} supercell, the atom moving most ${amplitude} Å`);
    }
    for (const w of warnings ?? []) ctx.io.err(`warning: ${w}`);
    return status;
  },
};

export const nebCommand: Command = {
  usage: nebUsage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'neb', nebUsage, {
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, ...valueOptions('end-frame', 'images', 'path', 'spring', 'fmax', 'steps', 'optimizer', 'fixed', 'out'), ...flagOptions('no-climb', 'no-relax-ends') },
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length < 1 || !values.model) return usageError(ctx.io, 'neb', 'the START and END structure files (or a band: one file, or a file per image) and --model are required', nebUsage);
    // anything but two files is a band given image by image: one file holding it, or a file per image
    const given = positionals.length !== 2;
    const [startFile, endFile] = [positionals[0], positionals[positionals.length - 1]];
    const d = SIMULATION_DEFAULTS.neb;
    let params: NebParameters;
    try {
      const setByBand = given ? (['images', 'path', 'frame', 'end-frame'] as const).find((o) => values[o] !== undefined) : undefined;
      if (setByBand) throw new UsageProblem(`--${setByBand}: a band given image by image sets the band: its first structure is the start, its last the end and the ones between the images`);
      const optimizer = values.optimizer ?? d.optimizer;
      if (optimizer !== 'fire' && optimizer !== 'lbfgs') throw new UsageProblem(`--optimizer ${optimizer}: use fire or lbfgs`);
      const path = values.path ?? d.path;
      if (path !== 'linear' && path !== 'idpp') throw new UsageProblem(`--path ${path}: use linear or idpp`);
      if (values.out !== undefined && !['xdatcar', 'xyz', 'traj'].includes(outputFormat(values.out) ?? '')) throw new UsageProblem(`--out ${values.out}: name it *.extxyz (or *.xyz), *.traj or XDATCAR`);
      params = {
        ...d,
        optimizer,
        path,
        images: num(values, 'images', d.images, (x) => Number.isInteger(x) && x >= 1 && x <= 50, 'a whole number of images from 1 to 50'),
        spring: num(values, 'spring', d.spring, positive, 'a positive number of eV/Å²'),
        climb: !values['no-climb'],
        relaxEnds: !values['no-relax-ends'],
        fmax: num(values, 'fmax', d.fmax, positive, 'a positive number of eV/Å'),
        maxSteps: num(values, 'steps', d.maxSteps, nonNegativeInt, 'a whole number of steps'),
      };
    } catch (e) {
      return usageError(ctx.io, 'neb', (e as Error).message, nebUsage);
    }
    let loaded: Loaded;
    let end: Structure;
    /** The given images, each with where it was read (the file, and its place in a band file). */
    let images: { structure: Structure; from: string }[] = [];
    let endFrom = endFile;
    if (given) {
      const band = await readBand(ctx, positionals, values);
      if (typeof band === 'number') return band;
      const opened = await openModel(ctx, 'neb', values, nebUsage);
      if (typeof opened === 'number') return opened;
      loaded = { structure: band[0].structure, opened };
      end = band[band.length - 1].structure;
      images = band.slice(1, -1);
      endFrom = band[band.length - 1].from;
    } else {
      // both files read before the model is opened, START first (what the reader said of each in that order)
      const start = await readStructureOption(ctx, 'neb', startFile, values, 'frame', nebUsage);
      if (typeof start === 'number') return start;
      const e = await readStructureOption(ctx, 'neb', endFile, values, 'end-frame', nebUsage);
      if (typeof e === 'number') return e;
      const opened = await openModel(ctx, 'neb', values, nebUsage);
      if (typeof opened === 'number') return opened;
      [loaded, end] = [{ structure: start, opened }, e];
    }
    // what START holds: its fixed atoms (a band holds no atom along some axes only)
    let fixed: number[];
    try {
      const held = heldAtoms(ctx, startFile, loaded.structure, values.fixed);
      if (held?.axisConstraints.length) throw new UsageProblem(`${startFile} holds ${held.axisConstraints.length} atom(s) along some axes only: a band holds whole atoms; give them with --fixed`);
      fixed = held?.fixed ?? [];
    } catch (e) {
      loaded.opened.calculator.dispose?.();
      return usageError(ctx.io, 'neb', (e as Error).message, nebUsage);
    }
    // each given image and the end: the same atoms in the same cell as the start, the held atoms the same
    // and in place, or the error names the file (and its place in a band file) it concerns
    const startImages: number[][] = [];
    let endCart: number[] = [];
    for (const other of [...images, { structure: end, from: endFrom }]) {
      const isEnd = other.structure === end;
      try {
        const cart = bandEnd(loaded.structure, other.structure);
        sameHeldAtoms(startFile, fixed, other.from, other.structure, values.fixed);
        heldInPlace(loaded.structure, other.structure, fixed);
        if (isEnd) endCart = cart;
        else startImages.push(cart);
      } catch (e) {
        loaded.opened.calculator.dispose?.();
        if (e instanceof UsageProblem) return usageError(ctx.io, 'neb', e.message, nebUsage);
        if (!(e instanceof SimulationInputError)) throw e;
        ctx.io.err(`latticework neb: ${other.from}: ${isEnd ? e.message : e.message.replaceAll('the end state', 'this image')}`);
        return 1;
      }
    }
    params = { ...params, end: endCart, endName: endFile, fixed, ...(given ? { path: 'given' as const, images: images.length, startImages } : {}) };
    const unwritable = outputsProblem(ctx, 'neb', { out: values.out }, loaded);
    if (unwritable !== null) return unwritable;
    // the band is written again in place as it moves: the images as it ended
    const frames: SimulationFrame[] = [];
    const watch = domainWatch(loaded, 'neb');
    const out = await simulate(ctx, 'neb', startFile, loaded, params, { onFrame: (f) => void (frames[f.index] = f), ...(watch ? { domain: watch } : {}) });
    if (typeof out === 'number') return out;
    const s = out.summary?.task === 'neb' ? out.summary : null;
    if (!s) {
      ctx.io.err(`latticework neb: ${startFile}: ${out.message}`);
      for (const w of watch?.warnings ?? []) ctx.io.err(`warning: ${w}`);
      return out.status === 'cancelled' ? stoppedStatus() : 1;
    }
    const { structure, opened } = loaded;
    let written = true;
    if (values.out) {
      const band = trajectoryOut(ctx, 'neb', values.out, { numbers: structure.numbers, pbc: structure.pbc, name: structure.name, held: constraintsOf(params) });
      for (const f of frames) band.write(f);
      written = band.close();
    }
    const warnings = watch ? watch.warnings : null;
    if (values.json) {
      const { task: _task, ...fields } = s;
      ctx.io.out(JSON.stringify({ start: startFile, end: endFile, model: opened.model, ...fields, images: params.images, message: out.message, ...(warnings ? { warnings } : {}) }));
    } else {
      ctx.io.out(`${positionals.length === 1 ? `${startFile} (a band)` : `${positionals.join(' → ')}`}  ${opened.model}${opened.backend ? ` (${opened.backend})` : ''}  ${out.message}`);
      ctx.io.out('  image   distance/Å   E/eV          E − E_start/eV');
      for (const [k, e] of s.energies.entries()) {
        const mark = k === s.highest ? (s.climb ? '  climbing' : '  highest') : '';
        ctx.io.out(`${String(k).padStart(7)} ${s.distances[k].toFixed(4).padStart(12)} ${e.toFixed(6).padStart(13)} ${(e - s.energies[0]).toFixed(6).padStart(14)}${mark}`);
      }
      for (const w of warnings ?? []) ctx.io.out(`warning: ${w}`);
      if (values.out && written) ctx.io.out(`${frames.length} images written to ${values.out}`);
    }
    return out.status === 'cancelled' ? stoppedStatus() : s.converged && written ? 0 : 1;
  },
};
