/**
 * Entry point of the symmetry thread (bundled as symmetry-worker.js): moyo's WebAssembly runs here, in an
 * isolate of its own, never in one that computes. A search grows the module's memory, growing detaches
 * the memory's old ArrayBuffer, and after any detach V8 checks every typed-array access of that isolate
 * again for good: an MD run or a diagonalisation 1.2–1.5× slower (BENCHMARKS.md). `spacegroup.ts` calls it.
 */
import { parentPort } from 'node:worker_threads';
import { analyze_cell, operations_from_number, space_group_type } from '@spglib/moyo-wasm';
import { loadMoyo, type SymmetryReply, type SymmetryRequest } from './moyo';

let ready = false;

parentPort!.on('message', (request: SymmetryRequest) => {
  let reply: SymmetryReply;
  try {
    if (!ready) loadMoyo();
    ready = true;
    const result =
      request.kind === 'analyze'
        ? analyze_cell(request.cell, request.symprec, 'Spglib')
        : request.kind === 'type'
          ? space_group_type(request.number)
          : operations_from_number(request.number, { type: 'Spglib' }, false);
    reply = { id: request.id, ok: true, result };
  } catch (e) {
    // a trap (Rust panic) inside the module may leave its memory inconsistent: start afresh next time
    ready = false;
    reply = { id: request.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
