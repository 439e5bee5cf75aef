/**
 * Local optimisers on generalised coordinates (see `filters.ts`): each is a small object whose
 * `step(x, f)` returns the next positions from the current positions x and forces f (3 per row).
 * They carry only their own state; the run loop, convergence and reporting are in `relax.ts`.
 */
import { dot } from './matrix';

export interface Optimizer {
  readonly name: 'fire' | 'lbfgs' | 'mdmin';
  step(x: Float64Array, f: Float64Array): Float64Array;
}

export interface FireParameters {
  /** Initial time step (ASE's units of Å·√(u/eV); default 0.1). */
  dt?: number;
  /** Largest step, Å (norm of the whole step vector; default 0.2). */
  maxStep?: number;
  dtMax?: number;
  nMin?: number;
  fInc?: number;
  fDec?: number;
  aStart?: number;
  fa?: number;
}

/**
 * FIRE, the fast inertial relaxation engine (Bitzek, Koskinen, Gähler, Moseler and Gumbsch,
 * PRL 97, 170201 (2006)), with ASE's defaults and step rule so that it follows ASE's `FIRE` step
 * for step: v ← (1 − a)v + a|v| f/|f| while P = f·v > 0 (after N_min such steps dt grows by f_inc up
 * to dt_max and a shrinks by f_a); when P ≤ 0, v = 0, dt shrinks by f_dec and a resets. Then an
 * Euler step v += dt·f, Δx = dt·v, limited to `maxStep` in norm (unit masses).
 */
export class Fire implements Optimizer {
  readonly name = 'fire';
  private v: Float64Array | null = null;
  private dt: number;
  private a: number;
  private nPositive = 0;
  private readonly p: Required<FireParameters>;

  constructor(parameters: FireParameters = {}) {
    this.p = { dt: 0.1, maxStep: 0.2, dtMax: 1.0, nMin: 5, fInc: 1.1, fDec: 0.5, aStart: 0.1, fa: 0.99, ...parameters };
    this.dt = this.p.dt;
    this.a = this.p.aStart;
  }

  step(x: Float64Array, f: Float64Array): Float64Array {
    const p = this.p;
    if (!this.v) {
      this.v = new Float64Array(x.length);
    } else {
      const v = this.v;
      const vf = dot(f, v);
      if (vf > 0) {
        const ff = Math.sqrt(dot(f, f));
        const vv = Math.sqrt(dot(v, v));
        for (let i = 0; i < v.length; i++) v[i] = (1 - this.a) * v[i] + (this.a * f[i] * vv) / ff;
        if (this.nPositive > p.nMin) {
          this.dt = Math.min(this.dt * p.fInc, p.dtMax);
          this.a *= p.fa;
        }
        this.nPositive++;
      } else {
        v.fill(0);
        this.a = p.aStart;
        this.dt *= p.fDec;
        this.nPositive = 0;
      }
    }
    const v = this.v;
    const dx = new Float64Array(x.length);
    for (let i = 0; i < v.length; i++) {
      v[i] += this.dt * f[i];
      dx[i] = this.dt * v[i];
    }
    const norm = Math.sqrt(dot(dx, dx));
    const scale = norm > p.maxStep ? p.maxStep / norm : 1;
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = x[i] + dx[i] * scale;
    return out;
  }
}

export interface LbfgsParameters {
  /** Largest displacement of any row, Å (default 0.2). */
  maxStep?: number;
  /** Number of (s, y) pairs kept (default 100). */
  memory?: number;
  /** The step is multiplied by this (default 1). */
  damping?: number;
  /** Initial inverse Hessian 1/α, α in eV/Å² (default 70). */
  alpha?: number;
}

/**
 * Limited-memory BFGS (Nocedal, Math. Comp. 35, 773 (1980)) without a line search, as ASE's `LBFGS`:
 * the two-loop recursion over the last `memory` pairs s = Δx, y = −Δf from H₀ = 1/α, the step
 * scaled so that no row moves more than `maxStep`. A pair with y·s ≤ 0 (the curvature condition
 * fails: the step went over a maximum along its direction) would make the inverse Hessian
 * indefinite, so the memory is cleared and the next step is steepest descent; ASE keeps such pairs.
 */
export class Lbfgs implements Optimizer {
  readonly name = 'lbfgs';
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];
  private x0: Float64Array | null = null;
  private f0: Float64Array | null = null;
  private readonly p: Required<LbfgsParameters>;

  constructor(parameters: LbfgsParameters = {}) {
    this.p = { maxStep: 0.2, memory: 100, damping: 1, alpha: 70, ...parameters };
    if (!(this.p.maxStep > 0 && this.p.maxStep <= 1)) throw new Error(`L-BFGS: maxStep must be in (0, 1] Å, got ${this.p.maxStep}`);
  }

  step(x: Float64Array, f: Float64Array): Float64Array {
    const m = x.length;
    if (this.x0 && this.f0) {
      const s = new Float64Array(m);
      const y = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        s[i] = x[i] - this.x0[i];
        y[i] = this.f0[i] - f[i];
      }
      const ys = dot(y, s);
      if (ys > 0) {
        this.s.push(s);
        this.y.push(y);
        this.rho.push(1 / ys);
        if (this.s.length > this.p.memory) {
          this.s.shift();
          this.y.shift();
          this.rho.shift();
        }
      } else {
        this.s.length = this.y.length = this.rho.length = 0;
      }
    }
    const k = this.s.length;
    const a = new Float64Array(k);
    const q = Float64Array.from(f, (v) => -v);
    for (let i = k - 1; i >= 0; i--) {
      a[i] = this.rho[i] * dot(this.s[i], q);
      const yi = this.y[i];
      for (let t = 0; t < m; t++) q[t] -= a[i] * yi[t];
    }
    const h0 = 1 / this.p.alpha;
    const z = q.map((v) => v * h0);
    for (let i = 0; i < k; i++) {
      const b = this.rho[i] * dot(this.y[i], z);
      const si = this.s[i];
      for (let t = 0; t < m; t++) z[t] += si[t] * (a[i] - b);
    }
    // step = −z, scaled so the longest row moves at most maxStep
    let longest = 0;
    for (let r = 0; r < m; r += 3) longest = Math.max(longest, Math.hypot(z[r], z[r + 1], z[r + 2]));
    const scale = (longest >= this.p.maxStep ? this.p.maxStep / longest : 1) * this.p.damping;
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) out[i] = x[i] - z[i] * scale;
    this.x0 = Float64Array.from(x);
    this.f0 = Float64Array.from(f);
    return out;
  }
}

/**
 * MDMin, ASE's `MDMin` (dt 0.2): velocity Verlet with unit masses whose velocity keeps only its
 * projection on the force, and stops when it points against it. ASE's `idpp_interpolate` relaxes the
 * band's starting path with it (neb.ts).
 */
export class Mdmin implements Optimizer {
  readonly name = 'mdmin';
  private v: Float64Array | null = null;

  constructor(private readonly dt = 0.2) {}

  step(x: Float64Array, f: Float64Array): Float64Array {
    const dt = this.dt;
    if (!this.v) {
      this.v = new Float64Array(x.length);
    } else {
      const v = this.v;
      for (let i = 0; i < v.length; i++) v[i] += 0.5 * dt * f[i];
      const vf = dot(v, f);
      const ff = dot(f, f);
      for (let i = 0; i < v.length; i++) v[i] = vf < 0 ? 0 : (f[i] * vf) / ff;
    }
    const v = this.v;
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      v[i] += 0.5 * dt * f[i];
      out[i] = x[i] + dt * v[i];
    }
    return out;
  }
}
