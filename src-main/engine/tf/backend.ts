/**
 * Backend selection for the compute worker.
 *
 * Order of preference: `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node`
 * (libtensorflow on the CPU), `wasm` (XNNPACK, SIMD), `cpu` (plain JS). Both tfjs-node
 * packages are optional dependencies that often cannot be installed; a failure to load
 * one is recorded in `reasons` and the next candidate is tried.
 *
 * Force a backend with the option `force` or the environment variable
 * `LATTICEWORK_BACKEND` (`tfjs-node-gpu`, `tfjs-node`, `wasm`, `cpu`; `gpu` and
 * `tensorflow` are accepted as aliases of the first two). A forced backend that
 * cannot be loaded is an error, never a silent fallback.
 *
 * Importing this module also registers the custom aggregation kernels
 * (`./kernels`) for every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureGradients } from './gradients';
import { installSharedIdentity, registerSegmentKernels } from './kernels';
import { simdThreads } from '../simd';

export type BackendCandidate = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_CANDIDATES: readonly BackendCandidate[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendChoice {
  /** Candidate that was chosen. */
  candidate: BackendCandidate;
  /** tfjs's own backend name (`tensorflow` for both tfjs-node packages). */
  name: string;
  /** Why each better candidate was not used (absent for candidates never tried). */
  reasons: Partial<Record<BackendCandidate, string>>;
  /** Extra facts worth reporting (wasm SIMD / threads). */
  details: Record<string, string | number | boolean>;
}

export interface BackendOptions {
  /** Force one candidate (overrides LATTICEWORK_BACKEND). */
  force?: BackendCandidate | string;
  /** Environment to read LATTICEWORK_BACKEND from (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Directory holding the tfjs-backend-wasm `.wasm` binaries (defaults to node_modules). */
  wasmDir?: string;
  /**
   * Register tfjs-core's gradients (default true). Inference-only processes (screening) pass false
   * and skip that cost; `details.gradients` is then absent.
   */
  gradients?: boolean;
}

const ALIASES: Record<string, BackendCandidate> = {
  'tfjs-node-gpu': 'tfjs-node-gpu',
  gpu: 'tfjs-node-gpu',
  'tensorflow-gpu': 'tfjs-node-gpu',
  'tfjs-node': 'tfjs-node',
  tensorflow: 'tfjs-node',
  node: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** The name the app shows for a backend candidate (the status bar, `backend-info`, run records). */
export function backendDisplayName(candidate: string): string {
  const names: Record<string, string> = { 'tfjs-node-gpu': 'tensorflow-gpu', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };
  return names[candidate] ?? candidate;
}

/** Parses a forced-backend string; `auto`/empty means no forcing. Throws on unknown names. */
export function parseBackendName(value: string | undefined): BackendCandidate | null {
  if (value == null) return null;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'auto') return null;
  const c = ALIASES[v];
  if (!c) throw new Error(`unknown backend "${value}" (expected one of auto, ${BACKEND_CANDIDATES.join(', ')})`);
  return c;
}

function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const first = text.split('\n')[0].trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

/** Where tfjs-backend-wasm's `.wasm` files live in node_modules (with a trailing slash). */
export function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return path.join(path.dirname(pkg), 'dist') + path.sep;
}

async function tryCandidate(c: BackendCandidate, opts: BackendOptions): Promise<void> {
  switch (c) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      // Variable specifier: these packages are optional and must not be resolved by bundlers.
      const spec = c === 'tfjs-node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await import(/* @vite-ignore */ spec);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend failed to initialise');
      if (c === 'tfjs-node-gpu') {
        // tfjs-node-gpu silently runs on the CPU when CUDA is missing; there is no public
        // device query, so we accept it as is and say so in the details.
      }
      return;
    }
    case 'wasm': {
      let dir = opts.wasmDir ?? defaultWasmDir();
      if (!dir.endsWith('/') && !dir.endsWith(path.sep)) dir += path.sep;
      wasmBackend.setWasmPaths(dir);
      if (!(await tf.setBackend('wasm'))) throw new Error(`wasm backend failed to initialise (binaries looked up in ${dir})`);
      installSharedIdentity('wasm');
      return;
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise');
      // on Node, the cpu backend's first tensor prints a banner advising tfjs-node (console.warn); the
      // backend line of train and predict and \`latticework doctor\` say which backends load and why not:
      // the first tensor is written here with the flag that banner reads off
      const onNode = tf.env().getBool('IS_NODE');
      tf.env().set('IS_NODE', false);
      tf.tensor1d([0]).dispose();
      tf.env().set('IS_NODE', onNode);
      return;
    }
  }
}

let current: BackendChoice | null = null;

/**
 * Chooses and initialises the best available backend (or the forced one).
 * Safe to call repeatedly; re-selects each time (cheap once the packages are loaded).
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  registerSegmentKernels();
  const env = opts.env ?? process.env;
  const forced = parseBackendName(opts.force ?? env.LATTICEWORK_BACKEND);
  const reasons: BackendChoice['reasons'] = {};
  const order = forced ? [forced] : BACKEND_CANDIDATES;
  for (const c of order) {
    try {
      await tryCandidate(c, opts);
      const details: BackendChoice['details'] = {};
      if (c === 'wasm') {
        details.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
        details.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
      }
      if (c === 'wasm' || c === 'cpu') {
        // our SIMD kernels (gather/scatter, CGCNN gate, weight gradients) and their threads
        const { threads, note } = simdThreads();
        details.kernelThreads = threads;
        if (note) details.kernelThreadsNote = note;
      }
      if (forced) details.forced = true;
      if (opts.gradients !== false) {
        const gradientProblem = await ensureGradients();
        details.gradients = gradientProblem == null;
        if (gradientProblem) details.gradientsError = gradientProblem;
      }
      current = { candidate: c, name: tf.getBackend(), reasons, details };
      return current;
    } catch (e) {
      reasons[c] = forced ? `forced, but failed: ${message(e)}` : message(e);
    }
  }
  if (forced) throw new Error(`backend ${forced} was forced but could not be loaded: ${reasons[forced]}`);
  throw new Error(`no tfjs backend could be initialised: ${JSON.stringify(reasons)}`);
}

/** The last choice made by initBackend, or null. */
export function currentBackend(): BackendChoice | null {
  return current;
}

/** One line for logs and `--verbose` output, e.g. `wasm (tfjs-node-gpu: not installed; …)`. */
export function describeBackend(choice: BackendChoice): string {
  const why = Object.entries(choice.reasons).map(([k, v]) => `${k}: ${v}`);
  const det = Object.entries(choice.details).map(([k, v]) => `${k}=${v}`);
  return `${choice.candidate}${det.length ? ` [${det.join(', ')}]` : ''}${why.length ? ` (not used: ${why.join('; ')})` : ''}`;
}

export { tf };
