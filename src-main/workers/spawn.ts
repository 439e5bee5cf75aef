/** Starting a worker thread on the compute worker's script (the built bundle, or the TypeScript source through tsx in tests). */
import { Worker } from 'node:worker_threads';

/** Where the worker script is: the built bundle, or the TypeScript source run through tsx in tests. */
export function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./worker.ts', here) : new URL('./compute-worker.js', here);
}

/** A worker thread running `url` with `workerData` (TypeScript sources are loaded through tsx; the built app runs plain JavaScript). */
export function spawnWorker(url: URL = defaultWorkerUrl(), workerData?: unknown): Worker {
  return url.pathname.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true, workerData })
    : new Worker(url, { workerData });
}
