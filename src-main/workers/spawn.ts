/** Starting a worker thread on a worker's script (the built bundle, or the TypeScript source through tsx in tests). */
import { Worker, type ResourceLimits } from 'node:worker_threads';

/**
 * Where a worker's script is: the built bundle `bundle`.js (the bundles sit beside each other), or the
 * TypeScript source `source` (relative to this file) run through tsx in tests.
 */
export function workerUrl(source: string, bundle: string): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL(source, here) : new URL(`./${bundle}.js`, here);
}

/** The compute worker's script. */
export function defaultWorkerUrl(): URL {
  return workerUrl('./worker.ts', 'compute-worker');
}

/**
 * A worker thread running `url` with `workerData` (TypeScript sources are loaded through tsx; the built app runs plain JavaScript),
 * its heap bounded by `resourceLimits` when given.
 */
export function spawnWorker(url: URL = defaultWorkerUrl(), workerData?: unknown, resourceLimits?: ResourceLimits): Worker {
  return url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData, resourceLimits })
    : new Worker(url, { workerData, resourceLimits });
}
