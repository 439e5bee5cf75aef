/** moyo's WebAssembly module (`@spglib/moyo-wasm`): loading it, and the messages between `spacegroup.ts` and the symmetry thread (`moyo-worker.ts`) that runs it. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync } from '@spglib/moyo-wasm';
import type { MoyoDataset, MoyoSpaceGroupType } from '@spglib/moyo-wasm';

/** Compiles and instantiates the module in this isolate (again: a fresh memory after a trap). */
export function loadMoyo(): void {
  const require = createRequire(import.meta.url);
  initSync({ module: readFileSync(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')) });
}

export type SymmetryQuestion = { kind: 'analyze'; cell: string; symprec: number } | { kind: 'type'; number: number };

export type SymmetryRequest = SymmetryQuestion & { id: number };

export type SymmetryReply = { id: number; ok: true; result: MoyoDataset | MoyoSpaceGroupType } | { id: number; ok: false; message: string };
