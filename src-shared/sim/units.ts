/**
 * Units of the simulation code, written once.
 *
 * Lengths Å, energies eV, masses u (unified atomic mass units), time fs, temperature K,
 * velocities Å/fs, forces eV/Å, stress eV/Å³ as a Voigt 6-vector (xx, yy, zz, yz, xz, xy) with
 * ASE's sign convention (positive = tensile: σ = (1/V) ∂E/∂ε), pressure P = −tr(σ)/3 (positive =
 * compressed), reported in GPa.
 *
 * The constants are CODATA 2014, the set ASE 3.22 uses (`ase/units.py`), so that numbers compare
 * with ASE's digit for digit where they should.
 */
import { GPA_IN_EV_PER_A3 } from '../chem/frames';

/** Elementary charge, C (CODATA 2014). */
const ELEMENTARY_CHARGE = 1.6021766208e-19;
/** Unified atomic mass unit, kg (CODATA 2014). */
const ATOMIC_MASS_UNIT = 1.66053904e-27;
/** Boltzmann constant, J/K (CODATA 2014). */
const BOLTZMANN_J = 1.38064852e-23;
/** Planck constant, J·s (CODATA 2014). */
const PLANCK = 6.62607004e-34;
/** Speed of light, m/s. */
const LIGHT_SPEED = 299792458;

/** Boltzmann constant, eV/K. */
export const KB = BOLTZMANN_J / ELEMENTARY_CHARGE;

/**
 * ħω in eV of a harmonic mode of curvature k [eV/Å²] and mass m [u]: ħω = HBAR_OMEGA · √(k/m)
 * (ASE's `units._hbar * 1e10 / sqrt(units._e * units._amu)`, ≈ 0.0647).
 */
export const HBAR_OMEGA = ((PLANCK / (2 * Math.PI)) * 1e10) / Math.sqrt(ELEMENTARY_CHARGE * ATOMIC_MASS_UNIT);

/** λ [eV/Å²/u], an eigenvalue of a dynamical matrix, → frequency in THz: √λ · THZ (≈ 15.6333, phonopy's `VaspToTHz`). */
export const THZ = (Math.sqrt(ELEMENTARY_CHARGE / ATOMIC_MASS_UNIT) * 1e10) / (2 * Math.PI * 1e12);

/** 1 THz as an energy, eV (h · 10¹² Hz). */
export const THZ_IN_EV = (PLANCK * 1e12) / ELEMENTARY_CHARGE;

/** eV per formula unit → kJ per mole (CODATA 2014 Avogadro constant). */
export const EV_TO_KJ_PER_MOL = (ELEMENTARY_CHARGE * 6.022140857e23) / 1000;

/** 1 cm⁻¹ in eV (ASE's `units.invcm`, hc·100 cm/m / e). */
export const INVERSE_CM = (100 * LIGHT_SPEED * PLANCK) / ELEMENTARY_CHARGE;

/** Bohr radius, Å: 4πε₀ħ²/(mₑe²) from CODATA 2014, the value ASE 3.22 computes (`units.Bohr`). */
export const BOHR = 0.5291772105638411;

/**
 * Acceleration of a force of 1 eV/Å on a mass of 1 u, in Å/fs²:
 * a [Å/fs²] = ACCELERATION · F [eV/Å] / m [u]. (≈ 0.0096485; its inverse converts u·Å²/fs² to eV.)
 */
export const ACCELERATION = ELEMENTARY_CHARGE / ATOMIC_MASS_UNIT * 1e-10;

/**
 * 1 fs in ASE's unit of time, Å·√(u/eV) (`ase.units.fs`, ≈ 0.0982). An extended XYZ's `momenta` (as ASE
 * writes them) are in u·Å per that unit: v [Å/fs] = p / m · ASE_FS.
 */
export const ASE_FS = Math.sqrt(ACCELERATION);

/** Velocities (Å/fs, three per atom) as ASE's momenta (u·Å per ASE time unit), given the atoms' masses (u). */
export function velocitiesToMomenta(masses: ArrayLike<number>, velocities: ArrayLike<number>): Float64Array {
  return Float64Array.from(velocities, (v, i) => (v * masses[Math.floor(i / 3)]) / ASE_FS);
}

/** ASE's momenta (u·Å per ASE time unit, three per atom) as velocities, Å/fs, given the atoms' masses (u). */
export function momentaToVelocities(masses: ArrayLike<number>, momenta: ArrayLike<number>): Float64Array {
  return Float64Array.from(momenta, (p, i) => (p / masses[Math.floor(i / 3)]) * ASE_FS);
}

/** 1 u·Å²/fs² in eV: kinetic energy ½·m·v² [eV] = ½ · MASS_VELOCITY2 · m [u] · v² [Å²/fs²]. */
export const MASS_VELOCITY2 = 1 / ACCELERATION;

/** eV/Å³ → GPa (1 eV/Å³ ≈ 160.2 GPa; the constant is the labelled frames', `chem/frames.ts`). */
export function toGPa(evPerA3: number): number {
  return evPerA3 / GPA_IN_EV_PER_A3;
}

/** GPa → eV/Å³. */
export function fromGPa(gpa: number): number {
  return gpa * GPA_IN_EV_PER_A3;
}

/**
 * The largest target pressure a run takes, GPa, either way: 10 TPa, beyond the centre of Jupiter
 * (about 4 TPa). EMT's Cu₃Au relaxes at 10,000 GPa to 1.2 Å³ per atom; a pressure in pascals typed
 * for GPa (10⁵, 10⁹) crushes any cell.
 */
export const MAX_PRESSURE_GPA = 10_000;

/** What the command line and the app say of a pressure beyond `MAX_PRESSURE_GPA`. */
export const PRESSURE_RANGE_TEXT = `a pressure in GPa from −${MAX_PRESSURE_GPA.toLocaleString('en')} to ${MAX_PRESSURE_GPA.toLocaleString('en')} (1 bar is 0.0001 GPa)`;
