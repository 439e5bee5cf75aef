/**
 * A molecular dynamics run: initial velocities, an integrator for the ensemble, the per-step log
 * (kinetic, potential and total energy, temperature, pressure) and a frame every k steps.
 *
 * Ensembles: 'nve' velocity Verlet; 'nvt' a thermostat (Langevin by default, Nosé–Hoover chain or
 * Berendsen); 'npt' the thermostat plus Berendsen's barostat, or the MTK barostat with Nosé–Hoover
 * chains. Drift is the change of the conserved quantity per atom between the first and the last step
 * (E_total for NVE; for NVT E_total less the heat the thermostat exchanged, plus a Nosé–Hoover
 * chain's energy; for MTK also the barostat's energy and P₀V); the Berendsen barostat conserves
 * nothing, so its runs have no drift (null).
 */
import { Rng } from '../model/rng';
import { copyLattice, type Atoms } from './atoms';
import type { Mat3 } from '../chem/structure';
import type { Calculator } from './calculator';
import { maxwellBoltzmann, VelocityVerlet, type MdObservation, type MolecularDynamics } from './dynamics';
import { BerendsenBarostat, BerendsenThermostat, Langevin, MtkNpt, NoseHooverChain, type CellMotion } from './thermostats';

export type Ensemble = 'nve' | 'nvt' | 'npt';
export type ThermostatName = 'langevin' | 'nose-hoover' | 'berendsen';
/** 'berendsen' drives the pressure to its target; 'mtk' (with the Nosé–Hoover thermostat) samples the NPT ensemble. */
export type BarostatName = 'berendsen' | 'mtk';

export interface MdOptions {
  ensemble: Ensemble;
  /** Target temperature (NVT, NPT) and the temperature of the initial velocities, K. */
  temperature: number;
  /** Time step, fs. */
  timestep: number;
  /** Number of steps. */
  steps: number;
  /** A frame every k steps (default 10); the first and the last step are always frames. */
  every?: number;
  /** Seed of the initial velocities and of Langevin's noise (default 1). */
  seed?: number;
  /** 'maxwell-boltzmann' (default): fresh velocities at `temperature`; 'keep': the atoms' own. */
  velocities?: 'maxwell-boltzmann' | 'keep';
  thermostat?: ThermostatName;
  /** Langevin friction, 1/fs (default 0.01). */
  friction?: number;
  /** Berendsen or Nosé–Hoover time constant, fs (default 100). */
  tau?: number;
  /** Nosé–Hoover chain length (default 3). */
  chain?: number;
  /** NPT: the barostat (default 'berendsen'); 'mtk' needs the 'nose-hoover' thermostat. */
  barostat?: BarostatName;
  /** NPT, MTK: the cell keeps its shape ('isotropic', default) or its shape moves too ('flexible'). */
  cellMotion?: CellMotion;
  /** NPT: target pressure, eV/Å³ (default 0). */
  pressure?: number;
  /** NPT: barostat time constant, fs (default 1000). */
  barostatTau?: number;
  /** NPT, Berendsen: compressibility, 1/GPa (default 0.01). */
  compressibility?: number;
  /**
   * The run fails as blown up when an atom would move farther than this in one step at its current
   * speed, Å (default 1: no physical trajectory does that at a usable time step).
   */
  maxStepDisplacement?: number;
  /** Called after every step with the step's observation. */
  onStep?: (step: number, observation: MdObservation) => void | Promise<void>;
  /** Called for each frame (live atoms: copy what you keep). */
  onFrame?: (frame: MdFrame) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
}

export const MD_DEFAULTS = Object.freeze({ every: 10, seed: 1, thermostat: 'langevin' as ThermostatName, maxStepDisplacement: 1 });

function fastestAtom(atoms: Atoms): { index: number; speed: number } {
  const v = atoms.velocities;
  let best = 0;
  let index = 0;
  for (let i = 0; 3 * i < v.length; i++) {
    const s2 = v[3 * i] ** 2 + v[3 * i + 1] ** 2 + v[3 * i + 2] ** 2;
    if (s2 > best) {
      best = s2;
      index = i;
    }
  }
  return { index, speed: Math.sqrt(best) };
}

export interface MdFrame extends MdObservation {
  step: number;
  /** fs since the start. */
  time: number;
  atoms: Atoms;
  forces: Float64Array;
  /**
   * The calculator's stress at the frame (Voigt, eV/Å³), without the kinetic part that the logged
   * `stress` and pressure include: what ASE stores in a trajectory, and what a potential is trained
   * on. Null without a 3D-periodic cell.
   */
  potentialStress: Float64Array | null;
}

export type MdStatus = 'completed' | 'cancelled' | 'failed';

export interface MdLog {
  /** fs, per step (step 0 is the start). */
  time: number[];
  potential: number[];
  kinetic: number[];
  total: number[];
  temperature: number[];
  /** eV/Å³, null without a 3D-periodic cell. */
  pressure: (number | null)[];
  conserved: number[];
}

export interface MdResult {
  status: MdStatus;
  message: string;
  /** Steps done: the log holds steps 0 to `steps` (none when the start itself failed). */
  steps: number;
  log: MdLog;
  /** (conserved(last) − conserved(0)) / N, eV/atom; null under Berendsen's barostat. */
  drift: number | null;
  atoms: Atoms;
}

/**
 * Why the options' barostat cannot run, or null: the MTK barostat without its Nosé–Hoover chains, or a
 * flexible cell without MTK (Berendsen's barostat scales the cell isotropically).
 */
export function barostatProblem(options: Pick<MdOptions, 'ensemble' | 'thermostat' | 'barostat' | 'cellMotion'>): string | null {
  if (options.ensemble !== 'npt') return null;
  const thermostat = options.thermostat ?? MD_DEFAULTS.thermostat;
  if (options.barostat === 'mtk' && thermostat !== 'nose-hoover') return `the MTK barostat comes with Nosé–Hoover chains: choose the nose-hoover thermostat, not ${thermostat}`;
  if (options.cellMotion === 'flexible' && options.barostat !== 'mtk') return "a flexible cell needs the MTK barostat: Berendsen's scales the cell isotropically";
  return null;
}

/** The integrator for the options' ensemble and thermostat. */
export function makeIntegrator(atoms: Atoms, calculator: Calculator, options: MdOptions, rng: Rng): MolecularDynamics {
  const dt = options.timestep;
  const T = options.temperature;
  if (options.ensemble === 'nve') return new VelocityVerlet(atoms, calculator, dt);
  if (options.ensemble !== 'nvt' && options.ensemble !== 'npt') throw new Error(`unknown ensemble '${String(options.ensemble)}': use nve, nvt or npt`);
  const thermostat = options.thermostat ?? MD_DEFAULTS.thermostat;
  const barostatName = options.barostat ?? 'berendsen';
  if (barostatName !== 'berendsen' && barostatName !== 'mtk') throw new Error(`unknown barostat '${String(barostatName)}': use berendsen or mtk`);
  const problem = barostatProblem(options);
  if (problem) throw new Error(problem);
  if (options.ensemble === 'npt' && barostatName === 'mtk') {
    return new MtkNpt(atoms, calculator, dt, { temperature: T, pressure: options.pressure ?? 0, tau: options.tau, barostatTau: options.barostatTau, chain: options.chain, cellMotion: options.cellMotion });
  }
  const barostat =
    options.ensemble === 'npt' ? new BerendsenBarostat(options.pressure ?? 0, { tau: options.barostatTau, compressibility: options.compressibility }) : null;
  if (thermostat === 'langevin') return new Langevin(atoms, calculator, dt, { temperature: T, friction: options.friction, rng, barostat });
  if (thermostat === 'berendsen') return new BerendsenThermostat(atoms, calculator, dt, { temperature: T, tau: options.tau, barostat });
  if (thermostat === 'nose-hoover') return new NoseHooverChain(atoms, calculator, dt, { temperature: T, tau: options.tau, chain: options.chain, barostat });
  throw new Error(`unknown thermostat '${String(thermostat)}': use langevin, nose-hoover or berendsen`);
}

/**
 * Runs molecular dynamics on `atoms` (moved in place). A step is done once its state is evaluated,
 * finite, and logged; a run that stops early (failed, or cancelled) ends at its last done step: the
 * atoms are put back there when a step after it failed half-way, it is written as the last frame,
 * and `steps` counts it (the log holds steps 0 to `steps`). A state logged whose fastest atom would
 * move too far in the next step is done, and the run fails after it.
 */
export async function runMolecularDynamics(atoms: Atoms, calculator: Calculator, options: MdOptions): Promise<MdResult> {
  const steps = options.steps;
  const every = options.every ?? MD_DEFAULTS.every;
  if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`the number of steps must be a non-negative integer, got ${steps}`);
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`the frame interval must be a positive integer number of steps, got ${every}`);
  const rng = new Rng(options.seed ?? MD_DEFAULTS.seed);
  if ((options.velocities ?? 'maxwell-boltzmann') === 'maxwell-boltzmann') maxwellBoltzmann(atoms, options.temperature, rng);
  const md = makeIntegrator(atoms, calculator, options, rng);
  const log: MdLog = { time: [], potential: [], kinetic: [], total: [], temperature: [], pressure: [], conserved: [] };
  const maxMove = options.maxStepDisplacement ?? MD_DEFAULTS.maxStepDisplacement;
  /** The last step done and its observation; the last step written as a frame. */
  let done = -1;
  let observed: MdObservation | null = null;
  let framed = -1;
  /** The last done step's state, kept while the next step is taken (`moving`): what a failure puts back. */
  const kept = { cart: new Float64Array(atoms.cart.length), velocities: new Float64Array(atoms.cart.length), lattice: null as Mat3 | null, forces: new Float64Array(atoms.cart.length), stress: null as Float64Array | null };
  let moving = false;
  const writeFrame = async (step: number, o: MdObservation, forces: Float64Array, stress: Float64Array | null): Promise<void> => {
    framed = step;
    await options.onFrame?.({ ...o, step, time: step * options.timestep, atoms, forces, potentialStress: stress });
  };
  const record = async (step: number): Promise<void> => {
    const o = await md.observe();
    if (!Number.isFinite(o.total) || !Number.isFinite(o.temperature)) {
      throw new Error(`the energy or the temperature became non-finite at step ${step}: the run blew up (time step too large, or atoms too close)`);
    }
    log.time.push(step * options.timestep);
    log.potential.push(o.potential);
    log.kinetic.push(o.kinetic);
    log.total.push(o.total);
    log.temperature.push(o.temperature);
    log.pressure.push(o.pressure);
    log.conserved.push(o.conserved);
    [done, observed, moving] = [step, o, false];
    await options.onStep?.(step, o);
    if (options.onFrame && (step % every === 0 || step === steps)) {
      const c = await md.current();
      await writeFrame(step, o, c.forces, c.stress ?? null);
    }
    const fastest = fastestAtom(atoms);
    if (fastest.speed * options.timestep > maxMove) {
      throw new Error(
        `at step ${step} atom ${fastest.index} moves ${(fastest.speed * options.timestep).toFixed(2)} Å per step (more than ${maxMove} Å) at ${o.temperature.toFixed(0)} K: the run blew up — lower the time step, or check the potential`,
      );
    }
  };
  /** A run stopping early: back to its last done step, which is its last frame. Says what went wrong writing it ('' when nothing did). */
  const stop = async (): Promise<string> => {
    if (done < 0) return '';
    if (moving) {
      atoms.cart.set(kept.cart);
      atoms.velocities.set(kept.velocities);
      atoms.lattice = kept.lattice && copyLattice(kept.lattice);
    }
    if (!options.onFrame || framed === done) return '';
    try {
      if (moving) {
        await writeFrame(done, observed!, kept.forces, kept.stress);
      } else {
        const c = await md.current();
        await writeFrame(done, observed!, c.forces, c.stress ?? null);
      }
      return '';
    } catch (e) {
      return `; its last step could not be written as a frame: ${(e as Error).message}`;
    }
  };
  const finish = (status: MdStatus, message: string): MdResult => {
    const c = log.conserved;
    const drift = !md.conserves || c.length === 0 ? null : (c[c.length - 1] - c[0]) / atoms.length;
    return { status, message, steps: Math.max(done, 0), log, drift, atoms };
  };
  try {
    await record(0);
    for (let s = 1; s <= steps; s++) {
      if (options.signal?.aborted) {
        const unwritten = await stop();
        return finish('cancelled', `cancelled after ${done} of ${steps} steps${unwritten}`);
      }
      // the state of the last step done, kept until the next one is
      const c = await md.current();
      kept.cart.set(atoms.cart);
      kept.velocities.set(atoms.velocities);
      kept.lattice = atoms.lattice && copyLattice(atoms.lattice);
      kept.forces.set(c.forces);
      kept.stress = c.stress ? Float64Array.from(c.stress) : null;
      moving = true;
      await md.step();
      await record(s);
    }
  } catch (e) {
    const unwritten = await stop();
    return finish('failed', `failed after ${Math.max(done, 0)} steps: ${(e as Error).message}${unwritten}`);
  }
  return finish('completed', `completed ${steps} steps (${(steps * options.timestep).toFixed(1)} fs)`);
}
