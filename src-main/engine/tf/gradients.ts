/**
 * tfjs-core's published CommonJS bundle (what Node loads) registers no gradients; the full
 * `@tensorflow/tfjs` package does, and it is not a dependency. We load tfjs-core's own ESM
 * gradient configs (`dist/register_all_gradients`):
 *
 *  1. by a dynamic import — works when bundled (electron-vite) and under Vitest;
 *  2. failing that (plain Node / tsx: extensionless ESM imports, and `./gradients` is both a
 *     file and a folder), by bundling that entry with esbuild (present wherever tsx or vite
 *     is, i.e. in development) into a temporary module, importing it and removing it (a loaded
 *     module no longer needs its file).
 *
 * When both fail, inference still works and training reports the reason.
 * The registry is global (shared by every copy of tfjs-core in the process).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let state: Promise<string | null> | null = null;

function firstLine(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}

async function viaEsbuild(): Promise<void> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  const spec = 'esbuild';
  const esbuild = (await import(/* @vite-ignore */ spec)) as { build(o: Record<string, unknown>): Promise<{ outputFiles: Array<{ text: string }> }> };
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
  const dir = mkdtempSync(path.join(tmpdir(), 'lw-tfgrad-'));
  try {
    const file = path.join(dir, 'register_all_gradients.mjs');
    writeFileSync(file, r.outputFiles[0].text);
    await import(/* @vite-ignore */ pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Registers tfjs-core's gradients once. Resolves to null on success or the reason of failure. */
export function ensureGradients(): Promise<string | null> {
  if (gradientsAvailable()) return Promise.resolve(null);
  state ??= (async () => {
    try {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients');
      if (gradientsAvailable()) return null;
    } catch (first) {
      try {
        await viaEsbuild();
        if (gradientsAvailable()) return null;
        return 'gradient registration had no effect';
      } catch (second) {
        return `could not load tfjs-core gradients: ${firstLine(first)}; esbuild fallback: ${firstLine(second)}`;
      }
    }
    return 'gradient registration had no effect';
  })();
  return state;
}

/** Whether gradients are registered (training possible). */
export function gradientsAvailable(): boolean {
  return tf.getGradient('Add') != null && tf.getGradient('BatchMatMul') != null;
}
