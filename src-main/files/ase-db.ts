/**
 * ASE databases (`.db`, SQLite, ASE's own schema, version 9 as ASE 3.22 writes it): every row read
 * as a labelled frame, and frames written as a database that `ase db FILE` lists and
 * `ase.db.connect(FILE).get_atoms(id)` reads back identically.
 *
 * Schema (ase/db/sqlite.py): table `systems`, one row per structure, arrays as little-endian
 * blobs (numbers int32, positions/cell/forces float64, stress float64 × 6), `pbc` as a bit mask,
 * `key_value_pairs` as JSON text, `data` in ASE's binary object format; side tables `species`,
 * `keys`, `text_key_values`, `number_key_values`, and `information` (version).
 * Read: numbers, positions, cell, pbc, energy, free_energy, forces, stress (6 or 9 values),
 * initial magnetic moments and charges, masses, tags and momenta (as site properties: an MD snapshot's
 * momenta are its velocities, as an extended XYZ's), key-value pairs (as properties), and
 * the constraints that hold atoms: `FixAtoms` (F F F), `FixScaled` (its mask, on fractional
 * coordinates) and a `FixCartesian` of all three axes become selective-dynamics flags, as a POSCAR's
 * (sim/constraints.ts); any other constraint (a FixCartesian of some axes among them) is named in a
 * warning.
 * Written: the same (tags as ASE's int32), movement flags as `FixAtoms` and `FixScaled`, the row's total
 * mass from its own masses when it has them; info values that ASE cannot keep as
 * key-value pairs (arrays, nested values, reserved or malformed keys, strings that look like numbers)
 * are left out and named in a warning.
 */
import { userInfo } from 'node:os';
import type sqlite3 from 'sqlite3';
import { open as openFile } from 'node:fs/promises';
import { atomicNumber, cellVolume, elementInfo, elementSymbol, maxForce, notAnAseDatabase, StructureParseError, type LabelledFrame } from '../../src-shared/chem';
import { aseArrays, aseFrames, constraintsJson, oneOf, type AseImage } from './ase-common';

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = 'SQLite format 3\0';

export function isSqlite(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  for (let i = 0; i < 16; i++) if (bytes[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** The first and last 256 bytes of a file as text (what tells ASE's JSON database from a file that is no database). */
async function startAndEnd(path: string): Promise<string> {
  const f = await openFile(path, 'r');
  try {
    const { size } = await f.stat();
    const start = Buffer.alloc(Math.min(256, size));
    const end = Buffer.alloc(Math.min(256, size));
    await f.read(start, 0, start.length, 0);
    await f.read(end, 0, end.length, size - end.length);
    return `${start.toString('utf8')}\n${end.toString('utf8')}`;
  } finally {
    await f.close();
  }
}

const ASE_DB_VERSION = 9;

type Row = Record<string, unknown>;

/** Opens with SQLite, loaded only now (reading a structure file does not load it: quick command-line start). */
async function open(path: string, mode: (s: typeof sqlite3) => number): Promise<sqlite3.Database> {
  const s = (await import('sqlite3')).default;
  return new Promise((resolve, reject) => {
    const db = new s.Database(path, mode(s), (err) => (err ? reject(err) : resolve(db)));
  });
}

function all(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<Row[]> {
  return new Promise((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as Row[]))));
}

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<number> {
  return new Promise((resolve, reject) =>
    db.run(sql, params, function (this: sqlite3.RunResult, err) {
      if (err) reject(err);
      else resolve(this.lastID);
    }),
  );
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

function f64(blob: unknown): Float64Array | null {
  if (!(blob instanceof Uint8Array)) return null;
  const copy = new Uint8Array(blob); // aligned copy
  return new Float64Array(copy.buffer, 0, Math.floor(copy.byteLength / 8));
}

function i32(blob: unknown): Int32Array | null {
  if (!(blob instanceof Uint8Array)) return null;
  const copy = new Uint8Array(blob);
  return new Int32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}

function blob(a: ArrayLike<number>, type: 'f64' | 'i32'): Buffer {
  const arr = type === 'f64' ? Float64Array.from(a) : Int32Array.from(a);
  return Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
}

export interface AseDbRead {
  frames: LabelledFrame[];
  /** The row id of each frame. */
  ids: number[];
  warnings: string[];
}

/** Every row of an ASE database as a labelled frame (in id order). */
export async function readAseDb(path: string, shown = path): Promise<AseDbRead> {
  let db: sqlite3.Database;
  try {
    db = await open(path, (s) => s.OPEN_READONLY);
  } catch (e) {
    throw new StructureParseError(shown, null, `cannot open this SQLite database: ${(e as Error).message}`);
  }
  try {
    const tables = new Set((await all(db, "SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => String(r.name)));
    if (!tables.has('systems')) throw new StructureParseError(shown, null, 'this SQLite database has no systems table: it is not an ASE database');
    let version = 2;
    if (tables.has('information')) {
      const v = await all(db, "SELECT value FROM information WHERE name = 'version'");
      if (v.length) version = Number(v[0].value);
    }
    if (!(version >= 5)) throw new StructureParseError(shown, null, `this ASE database has schema version ${version}; convert it with python -m ase.db.convert first`);
    if (version > ASE_DB_VERSION) throw new StructureParseError(shown, null, `this ASE database has schema version ${version}, newer than the version ${ASE_DB_VERSION} Latticework reads (ASE 3.22)`);
    const rows = await all(
      db,
      'SELECT id, numbers, positions, cell, pbc, initial_magmoms, initial_charges, masses, tags, momenta, constraints, energy, free_energy, forces, stress, key_value_pairs FROM systems ORDER BY id',
    );
    const images: AseImage[] = [];
    const ids: number[] = [];
    const warnings: string[] = [];
    for (const r of rows) {
      const id = Number(r.id);
      const bad = (what: string): never => {
        throw new StructureParseError(shown, null, `row ${id}: ${what}`);
      };
      const numbers = i32(r.numbers) ?? bad('no atomic numbers');
      let properties: Record<string, unknown> = {};
      if (typeof r.key_value_pairs === 'string' && r.key_value_pairs !== '{}') {
        try {
          properties = JSON.parse(r.key_value_pairs) as Record<string, unknown>;
        } catch {
          warnings.push(`row ${id}: its key_value_pairs are not JSON; left out`);
        }
      }
      const mask = Number(r.pbc ?? 0);
      images.push({
        name: `row ${id}`,
        numbers: Int32Array.from(numbers),
        positions: f64(r.positions) ?? bad('no positions'),
        cell: f64(r.cell) ?? [],
        pbc: [(mask & 1) !== 0, (mask & 2) !== 0, (mask & 4) !== 0],
        masses: f64(r.masses),
        momenta: f64(r.momenta),
        magmoms: f64(r.initial_magmoms),
        charges: f64(r.initial_charges),
        tags: i32(r.tags) && Float64Array.from(i32(r.tags)!),
        constraints: r.constraints,
        properties,
        energy: typeof r.energy === 'number' ? r.energy : null,
        freeEnergy: typeof r.free_energy === 'number' ? r.free_energy : null,
        forces: f64(r.forces),
        stress: f64(r.stress),
      });
      ids.push(id);
    }
    /** What `aseFrame` said of each row's cell (a 2D structure's zero vector made). */
    const cellNotes: string[] = [];
    const frames = aseFrames(
      images,
      (k, what) => {
        throw new StructureParseError(shown, null, `row ${ids[k]}: ${what}`);
      },
      (k, what, about) => (about === 'cell' ? cellNotes.push(`row ${ids[k]}: ${what}`) : warnings.push(`row ${ids[k]}: ${what}`)),
    );
    warnings.push(...oneOf(cellNotes, 'rows'));
    return { frames, ids, warnings };
  } catch (e) {
    if (e instanceof StructureParseError) throw e;
    // SQLite opens any file and finds on the first query that it is no database
    if ((e as { code?: unknown }).code === 'SQLITE_NOTADB') throw new StructureParseError(shown, null, notAnAseDatabase(shown, await startAndEnd(path)));
    throw new StructureParseError(shown, null, `cannot read this ASE database: ${(e as Error).message}`);
  } finally {
    await close(db);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

const SCHEMA = [
  `CREATE TABLE systems (
    id INTEGER PRIMARY KEY AUTOINCREMENT, unique_id TEXT UNIQUE, ctime REAL, mtime REAL, username TEXT,
    numbers BLOB, positions BLOB, cell BLOB, pbc INTEGER, initial_magmoms BLOB, initial_charges BLOB,
    masses BLOB, tags BLOB, momenta BLOB, constraints TEXT, calculator TEXT, calculator_parameters TEXT,
    energy REAL, free_energy REAL, forces BLOB, stress BLOB, dipole BLOB, magmoms BLOB, magmom REAL,
    charges BLOB, key_value_pairs TEXT, data BLOB, natoms INTEGER, fmax REAL, smax REAL, volume REAL,
    mass REAL, charge REAL)`,
  'CREATE TABLE species (Z INTEGER, n INTEGER, id INTEGER, FOREIGN KEY (id) REFERENCES systems(id))',
  'CREATE TABLE keys (key TEXT, id INTEGER, FOREIGN KEY (id) REFERENCES systems(id))',
  'CREATE TABLE text_key_values (key TEXT, value TEXT, id INTEGER, FOREIGN KEY (id) REFERENCES systems(id))',
  'CREATE TABLE number_key_values (key TEXT, value REAL, id INTEGER, FOREIGN KEY (id) REFERENCES systems(id))',
  'CREATE TABLE information (name TEXT, value TEXT)',
  `INSERT INTO information VALUES ('version', '${ASE_DB_VERSION}')`,
  'CREATE INDEX unique_id_index ON systems(unique_id)',
  'CREATE INDEX ctime_index ON systems(ctime)',
  'CREATE INDEX username_index ON systems(username)',
  'CREATE INDEX calculator_index ON systems(calculator)',
  'CREATE INDEX species_index ON species(Z)',
  'CREATE INDEX key_index ON keys(key)',
  'CREATE INDEX text_index ON text_key_values(key)',
  'CREATE INDEX number_index ON number_key_values(key)',
];

/** ASE's reserved key names (ase.db.core.reserved_keys, without the element symbols, checked apart). */
const RESERVED = new Set(
  'age calculator calculator_parameters cell charges constraints ctime data dipole energies energy fmax forces formula free_energy id initial_charges initial_magmoms key_value_pairs magmom magmoms momenta mtime natoms numbers pbc positions smax stress stresses unique_id user'.split(
    ' ',
  ),
);

/** ASE's empty `data` in its binary object format: an int64 offset (8) and `{}`. */
const EMPTY_DATA = Buffer.concat([Buffer.from([8, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]);

/** ASE's time: years since 2000-01-01 (ase.db.core.now). */
function aseNow(): number {
  return (Date.now() / 1000 - 946681200.0) / 31557600.0;
}

const looksNumeric = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));

function keyValuePairs(properties: Record<string, unknown>, skipped: Set<string>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(properties)) {
    const ok =
      /^[_a-zA-Z][_0-9a-zA-Z]*$/.test(k) &&
      !RESERVED.has(k) &&
      !(k === 'X' || (atomicNumber(k) > 0 && elementSymbol(atomicNumber(k)) === k)) &&
      ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || (typeof v === 'string' && !looksNumeric(v)));
    if (ok) out[k] = v as string | number | boolean;
    else skipped.add(k);
  }
  return out;
}

/**
 * Writes frames as a new ASE database at `path` (which must not hold one already: the caller picks
 * a fresh file). Returns the warnings (info keys ASE cannot store).
 */
export async function writeAseDb(path: string, frames: readonly LabelledFrame[]): Promise<{ warnings: string[]; ids: number[] }> {
  const db = await open(path, (s) => s.OPEN_READWRITE | s.OPEN_CREATE);
  const { randomBytes } = await import('node:crypto'); // here, not at the top: reading structure files must not load it (start-up)
  const skipped = new Set<string>();
  const ids: number[] = [];
  let username: string | null = null;
  try {
    username = process.env.USER ?? userInfo().username;
  } catch {
    username = null;
  }
  try {
    const existing = await all(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'systems'");
    if (existing.length) throw new Error(`${path} already holds an ASE database; write to a new file`);
    await run(db, 'BEGIN');
    for (const sql of SCHEMA) await run(db, sql);
    for (const f of frames) {
      const s = f.structure;
      const n = s.numbers.length;
      const t = aseNow();
      const cell = s.lattice ? s.lattice.flat() : new Array(9).fill(0);
      const pbcMask = (s.pbc[0] ? 1 : 0) | (s.pbc[1] ? 2 : 0) | (s.pbc[2] ? 4 : 0);
      const arrays = aseArrays(s);
      const kvp = keyValuePairs(s.properties, skipped);
      const fmax = maxForce(f.forces);
      const smax = f.stress ? Math.max(...f.stress.map(Math.abs)) : null;
      const volume = s.lattice ? Math.abs(cellVolume(s.lattice)) : null;
      let mass = 0;
      for (let i = 0; i < n; i++) mass += arrays.masses ? arrays.masses[i] : (elementInfo(s.numbers[i])?.mass ?? 0);
      const f64 = (a: Float64Array | null) => (a ? blob(a, 'f64') : null);
      const values = [
        randomBytes(16).toString('hex'),
        t,
        t,
        username,
        blob(s.numbers, 'i32'),
        blob(s.cart, 'f64'),
        blob(cell, 'f64'),
        pbcMask,
        f64(arrays.magmoms),
        f64(arrays.charges),
        f64(arrays.masses),
        arrays.tags ? blob(arrays.tags, 'i32') : null,
        f64(arrays.momenta),
        constraintsJson(s),
        null, // calculator
        null, // calculator_parameters
        f.energy,
        f.freeEnergy,
        f.forces ? blob(f.forces, 'f64') : null,
        f.stress ? blob(f.stress, 'f64') : null,
        null,
        null,
        null,
        null,
        JSON.stringify(kvp),
        EMPTY_DATA,
        n,
        fmax,
        smax,
        volume === 0 ? null : volume,
        mass,
        0,
      ];
      const id = await run(db, `INSERT INTO systems VALUES (NULL, ${values.map(() => '?').join(', ')})`, values);
      ids.push(id);
      const counts = new Map<number, number>();
      for (const z of s.numbers) counts.set(z, (counts.get(z) ?? 0) + 1);
      for (const [z, c] of counts) await run(db, 'INSERT INTO species VALUES (?, ?, ?)', [z, c, id]);
      for (const [k, v] of Object.entries(kvp)) {
        if (typeof v === 'string') await run(db, 'INSERT INTO text_key_values VALUES (?, ?, ?)', [k, v, id]);
        else await run(db, 'INSERT INTO number_key_values VALUES (?, ?, ?)', [k, Number(v), id]);
        await run(db, 'INSERT INTO keys VALUES (?, ?)', [k, id]);
      }
    }
    await run(db, 'COMMIT');
  } catch (e) {
    await run(db, 'ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    await close(db);
  }
  const warnings = skipped.size
    ? [`info keys ASE cannot store as key-value pairs were left out: ${[...skipped].sort().join(', ')}`]
    : [];
  return { warnings, ids };
}
