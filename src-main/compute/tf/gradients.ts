/**
 * tfjs-core's published CommonJS bundle (what Node loads) registers no gradients; the full
 * `@tensorflow/tfjs` package does, and it is not a dependency. We load tfjs-core's own ESM
 * gradient configs (`dist/register_all_gradients`) with a dynamic import: bundlers
 * (electron-vite) and Vitest resolve them; plain Node cannot (extensionless ESM imports),
 * and tsx stumbles over `./gradients` being both a file and a folder. When loading fails,
 * inference still works and training reports the reason.
 *
 * The registry is global (shared by every copy of tfjs-core in the process).
 */
import * as tf from '@tensorflow/tfjs-core';

let state: Promise<string | null> | null = null;

/** Registers tfjs-core's gradients once. Resolves to null on success or the reason of failure. */
export function ensureGradients(): Promise<string | null> {
  if (tf.getGradient('Add') != null && tf.getGradient('MatMul') != null) return Promise.resolve(null);
  state ??= import('@tensorflow/tfjs-core/dist/register_all_gradients').then(
    () => (tf.getGradient('Add') != null ? null : 'gradient registration had no effect'),
    (e: unknown) => `could not load tfjs-core gradients: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
  );
  return state;
}

/** Whether gradients are registered (training possible). */
export function gradientsAvailable(): boolean {
  return tf.getGradient('Add') != null;
}
