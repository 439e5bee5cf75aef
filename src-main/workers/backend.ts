/** tfjs in a compute worker: initialised once, on the first task that computes. */
import { backendDisplayName, initBackend } from '../engine/tf/backend';

let backend: Promise<string> | null = null;

/** Initialises tfjs once per worker; returns the backend's display name. */
export function ensureBackend(): Promise<string> {
  backend ??= initBackend().then((c) => backendDisplayName(c.candidate));
  return backend;
}
