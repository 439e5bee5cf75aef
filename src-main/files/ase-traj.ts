/**
 * ASE trajectories (`.traj`, ASE's binary "ULM" format, as ASE 3.22's `Trajectory` writes it: the file
 * an ASE molecular dynamics run or optimizer writes with `trajectory=`): every image as a labelled
 * frame, as `ase.io.read(FILE, ':')` gives them.
 *
 * Layout (ase/io/ulm.py): "- of Ulm" (or the older "AFFormat"), a 16-character tag ("ASE-Trajectory"),
 * then int64 version, number of items and the position of the item offsets; at that position one int64
 * offset per item. An item is an int64 length and that much JSON (ase.io.jsonio: Python's JSON, with
 * NaN and Infinity, and `{"__ndarray__": [shape, dtype, values]}` for small arrays). A key ending in "."
 * is an array stored in the file (`{"ndarray": [shape, dtype, offset]}`) or a child object (the
 * calculator). Integers of the layout are little-endian; arrays are too unless the item says
 * `"_little_endian": false`.
 *
 * An image (ase/io/trajectory.py) has positions, cell, and when there are: momenta, initial magnetic
 * moments (`magmoms`) and charges, `info`, and a calculator's energy, free_energy, forces and stress.
 * Atomic numbers, pbc, masses and constraints are in the first item only, or, once they change, in
 * every item from then on. Read as the other formats read them: momenta and masses as site properties,
 * `info` as properties, the constraints that hold atoms as movement flags (ase-constraints.ts).
 * A file cut short (a copy that broke) gives its complete images and a warning, as a killed VASP run's
 * vasprun.xml does; with none complete it is an error.
 */
import { StructureLimitError, StructureParseError, type LabelledFrame } from '../../src-shared/chem';
import { aseArrays, aseFrames, constraintsJson, oneOf, type AseImage } from './ase-common';

const MAGIC = ['- of Ulm', 'AFFormat'];
const TAG = 'ASE-Trajectory';

/** True for an ASE trajectory's bytes (ULM magic and ASE's tag). */
export function isAseTrajectory(bytes: Uint8Array): boolean {
  if (bytes.length < 48) return false;
  const head = String.fromCharCode(...bytes.subarray(0, 24));
  return MAGIC.includes(head.slice(0, 8)) && head.slice(8).trimEnd() === TAG;
}

export interface AseTrajectoryRead {
  frames: LabelledFrame[];
  warnings: string[];
}

/** What a ULM item's JSON holds: plain values, arrays stored in the file, child objects. */
type Item = Record<string, unknown>;

interface StoredArray {
  shape: number[];
  values: Float64Array;
}

const DTYPES: Record<string, { size: number; get: (v: DataView, at: number, le: boolean) => number }> = {
  float64: { size: 8, get: (v, at, le) => v.getFloat64(at, le) },
  float32: { size: 4, get: (v, at, le) => v.getFloat32(at, le) },
  int64: { size: 8, get: (v, at, le) => Number(v.getBigInt64(at, le)) },
  int32: { size: 4, get: (v, at, le) => v.getInt32(at, le) },
  int16: { size: 2, get: (v, at, le) => v.getInt16(at, le) },
  int8: { size: 1, get: (v, at) => v.getInt8(at) },
  uint8: { size: 1, get: (v, at) => v.getUint8(at) },
  bool: { size: 1, get: (v, at) => (v.getUint8(at) ? 1 : 0) },
};

/**
 * ASE's JSON objects for numpy values (ase.io.jsonio) as plain JSON: `{"__ndarray__": [shape, dtype,
 * values]}` as nested lists of that shape, `{"__complex__": [re, im]}` as [re, im].
 */
function plainJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainJson);
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const nd = o.__ndarray__;
  if (Array.isArray(nd) && Array.isArray(nd[0]) && Array.isArray(nd[2])) {
    const shape = nd[0] as number[];
    const flat = nd[2] as unknown[];
    const nest = (dims: number[], at: number): unknown => {
      if (dims.length === 0) return flat[at];
      const stride = dims.slice(1).reduce((a, b) => a * b, 1);
      return Array.from({ length: dims[0] }, (_, i) => nest(dims.slice(1), at + i * stride));
    };
    return nest(shape, 0);
  }
  if (Array.isArray(o.__complex__)) return o.__complex__;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainJson(x)]));
}

/**
 * Python's JSON as JS parses it: NaN, Infinity and -Infinity (which Python writes for such floats)
 * become null outside strings; `changed` says whether any did.
 */
function parsePythonJson(text: string): { value: unknown; changed: boolean } {
  try {
    return { value: JSON.parse(text), changed: false };
  } catch {
    let changed = false;
    const fixed = text.replace(/("(?:[^"\\]|\\.)*")|-?\bInfinity\b|\bNaN\b/g, (m, str: string | undefined) => {
      if (str !== undefined) return m;
      changed = true;
      return 'null';
    });
    return { value: JSON.parse(fixed), changed };
  }
}

/** An image whose data lies past the end of the file. */
class CutShort extends Error {}

/** Every image of an ASE trajectory given as bytes. `shown` is the name errors carry. */
export function readAseTrajectory(bytes: Uint8Array, shown: string, limits: { maxAtoms: number; maxStructures: number }): AseTrajectoryRead {
  const fail = (what: string): never => {
    throw new StructureParseError(shown, null, what);
  };
  const cut = (what: string): never => {
    throw new CutShort(what);
  };
  if (!isAseTrajectory(bytes)) fail('this is not an ASE trajectory (no ULM header with the tag ASE-Trajectory)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const int64 = (at: number, what: string): number => {
    if (at < 0 || at + 8 > bytes.length) cut(`the file ends before ${what} (byte ${at}): it was cut short`);
    const v = Number(view.getBigInt64(at, true));
    if (!Number.isSafeInteger(v) || v < 0) fail(`${what} is ${v} (byte ${at}): the file is damaged`);
    return v;
  };
  const version = int64(24, 'the version');
  if (version < 1 || version > 3) fail(`ULM version ${version}: Latticework reads versions 1 to 3 (ASE 3.22 writes 3)`);
  const nitems = int64(32, 'the number of images');
  if (nitems > limits.maxStructures) throw new StructureLimitError(shown, null, `the trajectory has ${nitems} images, more than the limit of ${limits.maxStructures}`);
  const pos0 = int64(40, 'the position of the offsets');
  const warnings: string[] = [];
  const decoder = new TextDecoder();

  const readItem = (index: number): { item: Item; littleEndian: boolean } => {
    const offset = int64(pos0 + 8 * index, `the offset of image ${index}`);
    const size = int64(offset, `the length of image ${index}`);
    if (offset + 8 + size > bytes.length) cut(`image ${index}: the file ends inside its data (it was cut short)`);
    let parsed;
    try {
      parsed = parsePythonJson(decoder.decode(bytes.subarray(offset + 8, offset + 8 + size)));
    } catch (e) {
      return fail(`image ${index}: its data is not JSON (${(e as Error).message})`);
    }
    if (parsed.changed) warnings.push(`image ${index}: NaN or infinite values read as missing`);
    if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) fail(`image ${index}: its data is not a JSON object`);
    const item = parsed.value as Item;
    const littleEndian = item._little_endian !== false;
    return { item, littleEndian };
  };

  /** The array stored under `name.` (in the file) or `name` (inline JSON, plain or ASE's ndarray), null when absent. */
  const arrayOf = (item: Item, name: string, littleEndian: boolean, where: string): StoredArray | null => {
    const stored = item[`${name}.`] as { ndarray?: unknown } | undefined;
    if (stored && Array.isArray(stored.ndarray)) {
      const [shape, dtype, offset] = stored.ndarray as [number[], string, number];
      const t = DTYPES[dtype];
      if (!t) fail(`${where}: ${name} is stored as ${dtype}, which Latticework does not read`);
      const count = shape.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(offset) || offset < 0) fail(`${where}: ${name} has no place in the file (offset ${offset}): the file is damaged`);
      if (offset + count * t.size > bytes.length) cut(`${where}: ${name} lies past the end of the file (it was cut short)`);
      const values = new Float64Array(count);
      for (let i = 0; i < count; i++) values[i] = t.get(view, offset + i * t.size, littleEndian);
      return { shape, values };
    }
    const inline = item[name];
    if (inline === undefined || inline === null) return null;
    const nd = (inline as { __ndarray__?: unknown }).__ndarray__;
    const flat = (Array.isArray(nd) ? (nd[2] as unknown[]) : Array.isArray(inline) ? (inline as unknown[]).flat(2) : [inline]).map(Number);
    return { shape: Array.isArray(nd) ? (nd[0] as number[]) : [flat.length], values: Float64Array.from(flat) };
  };

  const images: AseImage[] = [];
  /** The index of the header each image reads its atoms from. */
  const headers: number[] = [];
  /** What images share until one carries its own (ASE's header): read once, from the image `index`. */
  let header: { index: number; numbers: Int32Array; pbc: [boolean, boolean, boolean]; masses: Float64Array | null; constraints: unknown } | null = null;
  for (let index = 0; index < nitems; index++) {
    try {
      const where = `image ${index}`;
      const { item, littleEndian } = readItem(index);
      if ('numbers' in item || 'numbers.' in item) {
        const pbc = Array.isArray(item.pbc) ? item.pbc.map(Boolean) : [Boolean(item.pbc), Boolean(item.pbc), Boolean(item.pbc)];
        header = {
          index,
          numbers: Int32Array.from((arrayOf(item, 'numbers', littleEndian, where) ?? fail(`${where}: no atomic numbers`)).values),
          pbc: [pbc[0], pbc[1], pbc[2]],
          masses: arrayOf(item, 'masses', littleEndian, where)?.values ?? null,
          constraints: item.constraints,
        };
      }
      if (!header) fail(`${where}: no atomic numbers, and no image before it has them`);
      const h = header!;
      const n = h.numbers.length;
      if (n > limits.maxAtoms) throw new StructureLimitError(shown, null, `${where} has ${n} atoms, more than the limit of ${limits.maxAtoms} (option --max-atoms)`);
      const own = (name: string) => arrayOf(item, name, littleEndian, where)?.values ?? null;
      const calc = item['calculator.'] && typeof item['calculator.'] === 'object' ? (item['calculator.'] as Item) : null;
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
      const info = item.info;
      headers.push(h.index);
      images.push({
        name: where,
        numbers: Int32Array.from(h.numbers),
        positions: own('positions') ?? fail(`${where}: no positions`),
        cell: own('cell') ?? [],
        pbc: h.pbc,
        masses: h.masses && Float64Array.from(h.masses),
        momenta: own('momenta'),
        magmoms: own('magmoms'),
        charges: own('charges'),
        tags: own('tags'),
        constraints: h.constraints,
        properties: info && typeof info === 'object' && !Array.isArray(info) ? (plainJson(info) as Record<string, unknown>) : {},
        energy: calc && num(calc.energy),
        freeEnergy: calc && num(calc.free_energy),
        forces: calc && (arrayOf(calc, 'forces', littleEndian, where)?.values ?? null),
        stress: calc && (arrayOf(calc, 'stress', littleEndian, where)?.values ?? null),
      });
    } catch (e) {
      if (!(e instanceof CutShort)) throw e;
      if (index === 0) fail(e.message);
      warnings.push(`${e.message}: the ${index} images before it are read`);
      break;
    }
  }
  /** What `aseFrame` said of each image's cell (a 2D structure's zero vector made). */
  const cellNotes: string[] = [];
  const frames = aseFrames(
    images,
    (k, what) => fail(`image ${k}: ${what}`),
    // the header's constraints, said once for the images that share them; the cell's reading, for the first image it is made for
    (k, what, about) => {
      if (about === 'cell') cellNotes.push(`image ${k}: ${what}`);
      else if (headers[k] === k) warnings.push(`image ${k}: ${what}`);
    },
  );
  warnings.push(...oneOf(cellNotes, 'images'));
  return { frames, warnings };
}

/** ASE's block of the item-offset table: room for 1, 42, 42², … items (ase/io/ulm.py `N1`). */
const N1 = 42;

/**
 * Where an ASE trajectory's bytes go: appended at its end, or written over bytes already there (the
 * header's count and the offset table). A file, written as the frames come, or memory.
 */
export interface ByteSink {
  append(bytes: Uint8Array): void;
  writeAt(position: number, bytes: Uint8Array): void;
}

/** Little-endian int64s as bytes. */
function int64s(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(8 * values.length);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return bytes;
}

/**
 * An ASE trajectory (ULM version 3, tag ASE-Trajectory) written a frame at a time, as ASE 3.22's
 * `Trajectory` writes one (ase/io/ulm.py `Writer`): the header and a one-item offset table first;
 * each frame appended whole (its arrays and JSON, and a new offset table 42 times larger when the
 * old one is full) in one piece, then its offset entered in the table, then the header's count (and
 * the table's place) raised. The file read at any moment is a trajectory of the frames counted:
 * one cut short by a kill holds every frame whose count was written. `ase.io.read(FILE, ':')` gives
 * every frame back: positions, cell, pbc, numbers, the atoms it holds (as constraints), masses,
 * momenta, initial magnetic moments and charges, tags, its properties as `info`, and its labels as a
 * calculator's results (energy, free_energy, forces, stress). Every image carries its own numbers,
 * pbc, masses and constraints (ASE's layout once they change), so frames of different structures
 * share a file; ASE appends to it.
 */
export class AseTrajectoryWriter {
  /** The file's length. */
  private at = 0;
  /** Where the offset table is, how many items it has room for, and the items' offsets. */
  private pos0 = 48;
  private room = 1;
  private readonly offsets: number[] = [];

  constructor(private readonly sink: ByteSink) {
    const header = new Uint8Array(56);
    const text = `${MAGIC[0]}${TAG.padEnd(16)}`;
    for (let i = 0; i < 24; i++) header[i] = text.charCodeAt(i);
    header.set(int64s([3, 0, this.pos0, -1]), 24);
    this.append([header]);
  }

  /** How many frames it holds. */
  get count(): number {
    return this.offsets.length;
  }

  private append(chunks: Uint8Array[]): void {
    const length = chunks.reduce((n, c) => n + c.length, 0);
    const bytes = new Uint8Array(length);
    let k = 0;
    for (const c of chunks) {
      bytes.set(c, k);
      k += c.length;
    }
    this.sink.append(bytes);
    this.at += length;
  }

  write(f: LabelledFrame): void {
    const chunks: Uint8Array[] = [];
    let at = this.at;
    const put = (b: Uint8Array) => {
      chunks.push(b);
      at += b.length;
    };
    const align = () => {
      if (at % 8) put(new Uint8Array(8 - (at % 8)).fill(0x23)); // '#', as ASE pads
    };
    /** An array stored in the file: its `{ndarray: [shape, dtype, offset]}`. */
    const array = (values: ArrayLike<number>, shape: number[], dtype: 'float64' | 'int64') => {
      align();
      const offset = at;
      const bytes = new Uint8Array(8 * values.length);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < values.length; i++) {
        if (dtype === 'int64') view.setBigInt64(8 * i, BigInt(values[i]), true);
        else view.setFloat64(8 * i, values[i], true);
      }
      put(bytes);
      return { ndarray: [shape, dtype, offset] };
    };
    const s = f.structure;
    const n = s.numbers.length;
    const item: Record<string, unknown> = this.count === 0 ? { version: 1, ase_version: '3.22.1' } : {};
    item.pbc = [...s.pbc];
    item['numbers.'] = array(s.numbers, [n], 'int64');
    const constraints = constraintsJson(s);
    if (constraints) item.constraints = constraints;
    const { masses, momenta, magmoms, charges, tags } = aseArrays(s);
    if (masses) item['masses.'] = array(masses, [n], 'float64');
    item['positions.'] = array(s.cart, [n, 3], 'float64');
    item.cell = s.lattice ? s.lattice.map((r) => [...r]) : [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    if (tags) item['tags.'] = array(tags, [n], 'int64');
    if (momenta) item['momenta.'] = array(momenta, [n, 3], 'float64');
    if (magmoms) item['magmoms.'] = array(magmoms, [n], 'float64');
    if (charges) item['charges.'] = array(charges, [n], 'float64');
    if (f.energy !== null || f.freeEnergy !== null || f.forces || f.stress) {
      const calc: Record<string, unknown> = { name: 'unknown' };
      if (f.energy !== null) calc.energy = f.energy;
      if (f.freeEnergy !== null) calc.free_energy = f.freeEnergy;
      if (f.forces) calc['forces.'] = array(f.forces, [n, 3], 'float64');
      if (f.stress) calc.stress = [...f.stress];
      item['calculator.'] = calc;
    }
    if (Object.keys(s.properties).length) item.info = s.properties;
    const offset = at;
    // typed arrays among the properties as lists, as ASE's JSON has them
    const json = new TextEncoder().encode(JSON.stringify(item, (_, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)));
    put(int64s([json.length]));
    put(json);
    this.offsets.push(offset);
    const grows = this.offsets.length > this.room;
    if (grows) {
      // a table with room for N1 times as many, after the item, holding the offsets so far
      this.room *= N1;
      align();
      this.pos0 = at;
      const table = new Uint8Array(8 * this.room);
      table.set(int64s(this.offsets));
      put(table);
    }
    this.append(chunks);
    // the new table holds its offset already; the count (and the table's place) last
    if (!grows) this.sink.writeAt(this.pos0 + 8 * (this.offsets.length - 1), int64s([offset]));
    this.sink.writeAt(32, int64s([this.offsets.length, this.pos0]));
  }
}

/** Frames as an ASE trajectory in memory (the app's downloads, `structure frames --out`): `AseTrajectoryWriter`'s file. */
export function writeAseTrajectory(frames: readonly LabelledFrame[]): Uint8Array {
  let bytes = new Uint8Array(1 << 16);
  let length = 0;
  const writer = new AseTrajectoryWriter({
    append(b) {
      if (length + b.length > bytes.length) {
        const grown = new Uint8Array(Math.max(2 * bytes.length, length + b.length));
        grown.set(bytes.subarray(0, length));
        bytes = grown;
      }
      bytes.set(b, length);
      length += b.length;
    },
    writeAt(position, b) {
      bytes.set(b, position);
    },
  });
  for (const f of frames) writer.write(f);
  return bytes.slice(0, length);
}
