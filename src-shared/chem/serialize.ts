/**
 * Structures as plain JSON (for IPC, the SQLite store and model files): typed
 * arrays become number arrays, and come back as typed arrays.
 */
import type { Mat3, SiteProperty, Structure } from './structure';

export type SitePropertyJSON =
  | { kind: 'number'; values: number[] }
  | { kind: 'vector'; width: number; values: number[] }
  | { kind: 'string'; values: string[] };

export interface StructureJSON {
  name: string;
  lattice: Mat3 | null;
  pbc: [boolean, boolean, boolean];
  numbers: number[];
  species: string[];
  cart: number[];
  frac: number[] | null;
  occupancy: number[];
  siteProperties: Record<string, SitePropertyJSON>;
  properties: Record<string, unknown>;
}

function propertyToJSON(p: SiteProperty): SitePropertyJSON {
  if (p.kind === 'string') return { kind: 'string', values: [...p.values] };
  if (p.kind === 'vector') return { kind: 'vector', width: p.width, values: Array.from(p.values) };
  return { kind: 'number', values: Array.from(p.values) };
}

function propertyFromJSON(p: SitePropertyJSON): SiteProperty {
  if (p.kind === 'string') return { kind: 'string', values: [...p.values] };
  if (p.kind === 'vector') return { kind: 'vector', width: p.width, values: Float64Array.from(p.values) };
  return { kind: 'number', values: Float64Array.from(p.values) };
}

export function structureToJSON(s: Structure): StructureJSON {
  const siteProperties: Record<string, SitePropertyJSON> = {};
  for (const [key, p] of Object.entries(s.siteProperties)) siteProperties[key] = propertyToJSON(p);
  return {
    name: s.name,
    lattice: s.lattice ? (s.lattice.map((row) => [...row]) as Mat3) : null,
    pbc: [...s.pbc],
    numbers: Array.from(s.numbers),
    species: [...s.species],
    cart: Array.from(s.cart),
    frac: s.frac ? Array.from(s.frac) : null,
    occupancy: Array.from(s.occupancy),
    siteProperties,
    properties: { ...s.properties },
  };
}

export function structureFromJSON(j: StructureJSON): Structure {
  const siteProperties: Record<string, SiteProperty> = {};
  for (const [key, p] of Object.entries(j.siteProperties)) siteProperties[key] = propertyFromJSON(p);
  return {
    name: j.name,
    lattice: j.lattice ? (j.lattice.map((row) => [...row]) as Mat3) : null,
    pbc: [...j.pbc],
    numbers: Int32Array.from(j.numbers),
    species: [...j.species],
    cart: Float64Array.from(j.cart),
    frac: j.frac ? Float64Array.from(j.frac) : null,
    occupancy: Float64Array.from(j.occupancy),
    siteProperties,
    properties: { ...j.properties },
  };
}
