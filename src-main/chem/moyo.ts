/** moyo's WebAssembly module (`@spglib/moyo-wasm`): loading it, and the messages between `spacegroup.ts` and the symmetry thread (`moyo-worker.ts`) that runs it. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync } from '@spglib/moyo-wasm';
import type { MoyoDataset, MoyoOperation, MoyoSpaceGroupType } from '@spglib/moyo-wasm';

/** Compiles and instantiates the module in this isolate (again: a fresh memory after a trap). */
export function loadMoyo(): void {
  const require = createRequire(import.meta.url);
  initSync({ module: readFileSync(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')) });
}

/** A search (`analyze`), a group's type (`type`), or the operations of a group's standard (spglib's) setting, its conventional cell's (`operations`). */
export type SymmetryQuestion = { kind: 'analyze'; cell: string; symprec: number } | { kind: 'type'; number: number } | { kind: 'operations'; number: number };

export type SymmetryRequest = SymmetryQuestion & { id: number };

export type SymmetryReply = { id: number; ok: true; result: MoyoDataset | MoyoSpaceGroupType | MoyoOperation[] } | { id: number; ok: false; message: string };
