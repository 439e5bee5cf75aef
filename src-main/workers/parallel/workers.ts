/** How many data-parallel training workers by default (light: no tfjs, for the doctor and the app's main process). */
import { availableParallelism } from 'node:os';

/**
 * Workers a data-parallel run uses unless told otherwise: one per core (at most 8) on the wasm and
 * cpu backends, whose kernels then run one thread each; one on tfjs-node and tfjs-node-gpu, whose
 * native kernels use every core (or the GPU) themselves.
 */
export function defaultTrainingWorkers(backend: string, cores = availableParallelism()): { default: number; detail: string } {
  if (backend === 'tfjs-node' || backend === 'tfjs-node-gpu' || backend === 'tensorflow' || backend === 'tensorflow-gpu')
    return { default: 1, detail: `one worker: ${backend}'s native kernels use the ${cores} cores (or the GPU) themselves` };
  const n = Math.max(1, Math.min(cores, 8));
  return { default: n, detail: `one per core (${cores} available${cores > 8 ? ', at most 8' : ''}); each worker's SIMD kernels run on one thread` };
}
