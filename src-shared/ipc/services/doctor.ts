/**
 * `latticework doctor` and the status bar's report: what this machine can run and why not the rest.
 * One shape for the command line (`--json`) and the app (`system.doctor`); a product surface, so
 * fields are only ever added.
 */

/** One fact checked on the way to a backend, e.g. "package installed" or "libcudart.so.11.0 found". */
export interface DoctorCheck {
  name: string;
  /** null: not applicable or not checked (an earlier check failed). */
  ok: boolean | null;
  detail: string;
}

export type DoctorBackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface DoctorBackend {
  name: DoctorBackendName;
  /** The backend loaded in this process (for tfjs-node-gpu: and found a GPU device). */
  usable: boolean;
  /** The backend Latticework picks by default (the first usable one). */
  chosen: boolean;
  /** npm package and version, or null for backends that come with Latticework. */
  package: { name: string; installed: boolean; version: string | null } | null;
  /** Why it is not usable (null when usable). */
  reason: string | null;
  checks: DoctorCheck[];
}

export interface DoctorLibrary {
  /** What tfjs-node-gpu loads, e.g. libcudart.so.11.0. */
  wanted: string;
  /** Where it was found, or null. */
  found: string | null;
  /** Other versions of the same library on this machine (e.g. libcudart.so.12), which tfjs-node-gpu cannot use. */
  otherVersions: string[];
}

export interface DoctorGpu {
  /** An NVIDIA GPU is visible (nvidia-smi lists one, or the driver's device files exist). */
  visible: boolean;
  devices: { name: string; memoryMiB: number | null }[];
  driverVersion: string | null;
  /** The newest CUDA the driver supports (nvidia-smi's "CUDA Version"). */
  driverCudaVersion: string | null;
  /** What tfjs-node-gpu 4.22 was built against: CUDA 11.2 and cuDNN 8.1. */
  cudaWanted: string;
  cudnnWanted: string;
  /** CUDA runtime versions found (from libcudart file names), e.g. ["11.0", "12"]. */
  cudaFound: string[];
  /** cuDNN version found (cudnn_version.h or the library name), or null. */
  cudnnFound: string | null;
  libraries: DoctorLibrary[];
  /** tfjs-node-gpu loaded and TensorFlow placed work on a GPU device (null: it did not load). */
  usedByTensorflow: boolean | null;
  detail: string;
}

/** A table or index PRAGMA integrity_check found damaged, and how many of its messages are about it. */
export interface DoctorDamagedObject {
  /** sqlite_master's type and name, and the table an index is on; null where SQLite names a b-tree that sqlite_master does not (itself damaged). */
  type: 'table' | 'index' | null;
  name: string | null;
  table: string | null;
  /** The b-tree's root page ("Tree N" in SQLite's messages), when a message names it. */
  rootPage: number | null;
  problems: number;
}

export interface DoctorDamage {
  /** How many problems integrity_check listed (SQLite stops at 100), and the first few of them. */
  count: number;
  first: string[];
  /** The tables and indexes they are in, in the order of the messages. */
  objects: DoctorDamagedObject[];
  /** Messages about a page rather than a table or index (a page's free bytes, a page never used). */
  pageProblems: number;
  /** In one line: how many problems, where ("100 problems (SQLite stops listing at 100) in table simulation_frame, index …"). */
  summary: string;
  /** What to do: restore a backup, or recover what SQLite can still read (sqlite3's .dump) and open that. */
  advice: string;
  /**
   * Where a page could not be read at all and SQLite stopped the whole check (a table's root page overwritten): each table
   * was checked alone, and these are the tables found sound (their rows still read). Null when the whole check ran.
   */
  sound: string[] | null;
}

export interface DoctorDatabase {
  path: string;
  exists: boolean;
  sizeBytes: number | null;
  /** PRAGMA user_version, and how many migrations this Latticework has. */
  schemaVersion: number | null;
  latestSchemaVersion: number;
  /**
   * 'ok', or PRAGMA integrity_check's messages, one per entry (SQLite lists at most 100; the database is
   * not created just to check it).
   */
  integrity: string[] | null;
  /** What integrity_check found, in short, or null when it found nothing (or did not run). */
  damage: DoctorDamage | null;
  /**
   * Why Latticework cannot write to the database (read-only, or its folder; the sentence the app,
   * `serve` and `train` refuse it with), or null when it can, or when there is no such file yet.
   */
  unwritable: string | null;
  error: string | null;
  /** Dataset imports a stopped process left unfinished (null where the schema predates them or the file cannot be read). */
  unfinishedImports: number | null;
}

export interface DoctorReport {
  latticework: { version: string; node: string; platform: string; arch: string; cpus: number; memoryBytes: number };
  /** In order of preference. */
  backends: DoctorBackend[];
  chosen: DoctorBackendName | null;
  gpu: DoctorGpu;
  wasm: { simd: boolean | null; threads: boolean | null; detail: string };
  /** Threads of Latticework's SIMD kernels (wasm and cpu backends) in one compute thread. */
  kernelThreads: number | null;
  kernelThreadsNote: string | null;
  /** Data-parallel training workers by default (the cores), and why fewer if so. */
  trainingWorkers: { default: number; detail: string };
  database: DoctorDatabase;
  /** The Electron binary; abi: the NODE_MODULE_VERSION its Node has (native modules built for Node's differ, N-API ones load in both). */
  electron: { available: boolean; path: string | null; version: string | null; abi: string | null; reason: string | null };
  sqlite3: {
    version: string | null;
    sqliteVersion: string | null;
    /** The native binding's file. */
    binding: string | null;
    /** N-API versions the binding is built for: N-API bindings load in Node and Electron alike. */
    napiVersions: number[];
    /** This runtime's ABI (process.versions.modules) and N-API version. */
    runtimeAbi: string;
    runtimeNapi: string;
    loads: boolean;
    error: string | null;
  };
  /** One line per thing that is wrong or missing, most important first; empty when all is well. */
  problems: string[];
}
