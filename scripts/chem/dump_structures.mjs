#!/usr/bin/env node
// Read structure files with Latticework's readers and print one JSON line per file:
// {file, ok, structures:[{block, numbers, species, lattice, frac, cart, occupancy, warnings}]} or
// {file, ok:false, error:{name,message,line}}. Used by compare_structures.py and fuzz.mjs.
// Usage: node scripts/chem/dump_structures.mjs FILE... (or --list FILE_WITH_PATHS)
import { readFileSync } from 'node:fs';
import { loadChem } from './bundle.mjs';

const chem = await loadChem();
let files = process.argv.slice(2);
if (files[0] === '--list') files = readFileSync(files[1], 'utf8').split('\n').filter(Boolean);
for (const file of files) {
  let rec;
  try {
    const text = readFileSync(file, 'utf8');
    const r = chem.readStructures(file, text);
    rec = {
      file,
      ok: true,
      format: r.format,
      structures: r.structures.map((s, i) => ({
        block: r.blocks[i],
        numbers: Array.from(s.numbers),
        lattice: s.lattice,
        frac: s.frac ? Array.from(s.frac) : null,
        cart: Array.from(s.cart),
        occupancy: Array.from(s.occupancy),
        warnings: r.structureWarnings[i],
      })),
    };
  } catch (e) {
    rec = { file, ok: false, error: { name: e?.name, message: e?.message, line: e?.line ?? null } };
  }
  process.stdout.write(JSON.stringify(rec) + '\n');
}
