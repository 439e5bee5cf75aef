/**
 * `latticework doctor`: what this machine can run, and why not the rest.
 *
 * - Backends in order of preference (tfjs-node-gpu, tfjs-node, wasm, cpu): is the package installed,
 *   is its libtensorflow there, does it load, and for the GPU build: which CUDA and cuDNN runtime
 *   libraries it needs (CUDA 11.2, cuDNN 8.1 for tfjs-node-gpu 4.22), which ones this machine has,
 *   whether a GPU and its driver are visible, and whether TensorFlow actually placed work on it.
 * - WebAssembly SIMD and threads, the SIMD kernels' threads, data-parallel training workers.
 * - The database: location, schema version, `PRAGMA integrity_check` (opened read-only; a database
 *   that does not exist is reported, never created) in short (the tables and indexes it finds
 *   damaged, what to do), and whether Latticework can write to it (the store's own check).
 * - The Electron binary (read from the electron package's files, never downloaded) and sqlite3's
 *   native binding and ABI.
 *
 * Everything the probes read from the machine goes through `DoctorHost`, so tests can describe a
 * CUDA 12 workstation without one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { DoctorBackend, DoctorBackendName, DoctorCheck, DoctorDamage, DoctorDamagedObject, DoctorDatabase, DoctorGpu, DoctorLibrary, DoctorReport } from '../../src-shared/ipc/services/doctor';
import { shellWord } from '../../src-shared/text';
import type { Database } from '../store/database';
import { migrations } from '../store/migrations';
import { defaultTrainingWorkers } from '../workers/parallel/workers';
import { VERSION } from './version';

/** What the probes may read from the machine. */
export interface DoctorHost {
  platform: NodeJS.Platform;
  arch: string;
  env: Record<string, string | undefined>;
  exists(path: string): boolean;
  /** File names in a directory ([] when it cannot be read). */
  list(path: string): string[];
  /** A text file's content, or null. */
  read(path: string): string | null;
  /** Runs a program; null when it cannot be started or fails. */
  run(command: string, args: string[]): string | null;
}

export const nodeHost: DoctorHost = {
  platform: process.platform,
  arch: process.arch,
  env: process.env,
  exists: (p) => existsSync(p),
  list: (p) => {
    try {
      return readdirSync(p);
    } catch {
      return [];
    }
  },
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
  run: (command, args) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return null;
    }
  },
};

/** tfjs-node-gpu 4.22 is built on libtensorflow 2.9.1: CUDA 11.2 and cuDNN 8.1. */
export const CUDA_WANTED = '11.2';
export const CUDNN_WANTED = '8.1';
/** The oldest Linux driver that runs CUDA 11.x runtimes (CUDA's minor-version compatibility); 11.2 itself was released with 460.27.03. */
export const MIN_DRIVER_LINUX = '450.80.02';

/** The libraries libtensorflow 2.9's GPU build loads, by platform. */
export function cudaLibraries(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return ['cudart64_110.dll', 'cublas64_11.dll', 'cublasLt64_11.dll', 'cufft64_10.dll', 'curand64_10.dll', 'cusolver64_11.dll', 'cusparse64_11.dll', 'cudnn64_8.dll'];
  return ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcufft.so.10', 'libcurand.so.10', 'libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8'];
}

/** The stem a library's versions share: libcudart.so.11.0 → libcudart.so., cudart64_110.dll → cudart64_. */
function libraryStem(name: string): string {
  return name.endsWith('.dll') ? name.replace(/\d+\.dll$/, '') : name.replace(/\.so\..*$/, '.so.');
}

/** Directories where the dynamic loader (or a user following NVIDIA's instructions) puts CUDA libraries. */
export function librarySearchPath(host: DoctorHost): string[] {
  const dirs: string[] = [];
  const add = (d: string | undefined) => {
    if (d && !dirs.includes(d)) dirs.push(d);
  };
  if (host.platform === 'win32') {
    for (const d of (host.env.PATH ?? host.env.Path ?? '').split(';')) add(d);
    if (host.env.CUDA_PATH) add(join(host.env.CUDA_PATH, 'bin'));
    return dirs;
  }
  for (const d of (host.env.LD_LIBRARY_PATH ?? '').split(':')) add(d);
  const ldconfig = host.run('ldconfig', ['-p']) ?? host.run('/sbin/ldconfig', ['-p']);
  for (const line of (ldconfig ?? '').split('\n')) {
    const m = /=>\s*(\S+)$/.exec(line.trim());
    if (m && /(cuda|cudnn|cublas|cufft|curand|cusolver|cusparse)/i.test(m[1])) add(dirname(m[1]));
  }
  for (const d of ['/usr/local/cuda/lib64', '/usr/local/cuda/targets/x86_64-linux/lib', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/opt/cuda/lib64']) add(d);
  for (const e of host.list('/usr/local')) if (/^cuda-\d/.test(e)) add(`/usr/local/${e}/lib64`);
  return dirs;
}

/** Each wanted library: where it is, and which other versions of it exist. */
export function findLibraries(host: DoctorHost, wanted: string[], dirs: string[]): DoctorLibrary[] {
  const listing = dirs.map((d) => ({ dir: d, files: host.list(d) }));
  return wanted.map((name) => {
    const stem = libraryStem(name);
    let found: string | null = null;
    const others = new Set<string>();
    for (const { dir, files } of listing) {
      for (const f of files) {
        if (f === name) found ??= join(dir, f);
        else if (f.startsWith(stem) && /\d/.test(f.slice(stem.length, stem.length + 1))) others.add(f);
      }
    }
    return { wanted: name, found, otherVersions: [...others].sort() };
  });
}

/** CUDA runtime versions from libcudart file names: libcudart.so.11.0 → 11.0, libcudart.so.12.2.140 → 12.2.140, cudart64_110.dll → 11.0. */
export function cudaRuntimeVersions(libraries: DoctorLibrary[]): string[] {
  const cudart = libraries.find((l) => /cudart/.test(l.wanted));
  if (!cudart) return [];
  const names = [...(cudart.found ? [cudart.wanted] : []), ...cudart.otherVersions];
  const versions = names.map((n) => {
    const so = /\.so\.([\d.]+)$/.exec(n);
    if (so) return so[1];
    const dll = /cudart64_(\d+)\.dll$/.exec(n);
    return dll ? `${dll[1].slice(0, -1)}.${dll[1].slice(-1)}` : null;
  });
  return [...new Set(versions.filter((v): v is string => v !== null))].sort();
}

/** cuDNN's version from cudnn_version.h (or cudnn.h before 8), else from the library file name. */
export function cudnnVersion(host: DoctorHost, libraries: DoctorLibrary[]): string | null {
  const includes = ['/usr/include', '/usr/local/cuda/include', '/usr/include/x86_64-linux-gnu', ...(host.env.CUDA_PATH ? [join(host.env.CUDA_PATH, 'include')] : [])];
  for (const dir of includes) {
    for (const header of ['cudnn_version.h', 'cudnn.h']) {
      const text = host.read(join(dir, header));
      if (!text) continue;
      const part = (k: string) => new RegExp(`#define\\s+CUDNN_${k}\\s+(\\d+)`).exec(text);
      const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCHLEVEL'].map((k) => part(k)?.[1]);
      if (major) return [major, minor ?? '0', patch ?? '0'].join('.');
    }
  }
  const lib = libraries.find((l) => /cudnn/.test(l.wanted));
  const names = lib ? [...(lib.found ? [lib.wanted] : []), ...lib.otherVersions] : [];
  const longest = names.map((n) => /\.so\.([\d.]+)$/.exec(n)?.[1] ?? /cudnn64_(\d+)\.dll$/.exec(n)?.[1] ?? null).filter((v): v is string => v !== null);
  return longest.sort((a, b) => b.length - a.length)[0] ?? null;
}

function versionAtLeast(have: string, want: string): boolean {
  const a = have.split('.').map(Number);
  const b = want.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The GPU as the driver sees it (nvidia-smi, else the driver's files). */
export function probeGpu(host: DoctorHost): Omit<DoctorGpu, 'usedByTensorflow' | 'libraries' | 'cudaFound' | 'cudnnFound' | 'detail'> & { source: string } {
  const base = { cudaWanted: CUDA_WANTED, cudnnWanted: CUDNN_WANTED };
  const query = host.run('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits']);
  if (query !== null) {
    const rows = query
      .split('\n')
      .map((l) => l.split(',').map((s) => s.trim()))
      .filter((r) => r.length >= 3 && r[0]);
    const header = host.run('nvidia-smi', []) ?? '';
    const cuda = /CUDA Version:\s*([\d.]+)/.exec(header)?.[1] ?? null;
    return {
      ...base,
      visible: rows.length > 0,
      devices: rows.map((r) => ({ name: r[0], memoryMiB: Number.isFinite(Number(r[1])) ? Number(r[1]) : null })),
      driverVersion: rows[0]?.[2] ?? null,
      driverCudaVersion: cuda,
      source: 'nvidia-smi',
    };
  }
  const proc = host.read('/proc/driver/nvidia/version');
  const driver = proc ? (/Kernel Module\s+([\d.]+)/.exec(proc)?.[1] ?? null) : null;
  const visible = host.exists('/dev/nvidia0');
  return { ...base, visible, devices: visible ? [{ name: 'NVIDIA GPU (nvidia-smi not found)', memoryMiB: null }] : [], driverVersion: driver, driverCudaVersion: null, source: proc ? '/proc/driver/nvidia/version' : 'none' };
}

interface PackageInfo {
  name: string;
  installed: boolean;
  version: string | null;
  dir: string | null;
}

function packageInfo(name: string): PackageInfo {
  const require = createRequire(import.meta.url);
  try {
    const file = require.resolve(`${name}/package.json`);
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
    return { name, installed: true, version: pkg.version ?? null, dir: dirname(file) };
  } catch {
    return { name, installed: false, version: null, dir: null };
  }
}

/** libtensorflow and the N-API binding inside an installed tfjs-node(-gpu) package (its install script downloads both). */
function nativeParts(host: DoctorHost, dir: string): DoctorCheck[] {
  const lib = host.list(join(dir, 'deps', 'lib')).filter((f) => /^(lib)?tensorflow[^_]*\.(so|dylib|dll)/.test(f));
  const napiDirs = host.list(join(dir, 'lib')).filter((d) => d.startsWith('napi-v'));
  const binding = napiDirs.map((d) => join(dir, 'lib', d, 'tfjs_binding.node')).find((p) => host.exists(p)) ?? null;
  return [
    { name: 'libtensorflow', ok: lib.length > 0, detail: lib.length ? join(dir, 'deps', 'lib', lib[0]) : `not in ${join(dir, 'deps', 'lib')} (the package's install script downloads it; re-run npm install with network access)` },
    { name: 'native binding', ok: binding !== null, detail: binding ?? `no lib/napi-v*/tfjs_binding.node in ${dir}` },
  ];
}

export interface ComputeProbe {
  /**
   * Loads a backend by name; resolves with whether TensorFlow uses a GPU device (tensorflow only) and
   * the backend's details (wasm SIMD/threads, the kernels' threads), rejects with why it cannot load.
   */
  load(name: DoctorBackendName): Promise<{ gpuDevice: boolean | null; details: Record<string, string | number | boolean> }>;
  /** The backend chosen by default (auto selection, or LATTICEWORK_BACKEND). */
  auto(): Promise<DoctorBackendName>;
  trainingWorkers(backend: DoctorBackendName): { default: number; detail: string };
}

function shortError(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const first = text.split('\n')[0].trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

/** The compute half of the report: backends, GPU, wasm, kernel threads, training workers. */
export async function probeCompute(
  host: DoctorHost,
  probe: ComputeProbe,
): Promise<Pick<DoctorReport, 'backends' | 'chosen' | 'gpu' | 'wasm' | 'kernelThreads' | 'kernelThreadsNote' | 'trainingWorkers'>> {
  const gpuHw = probeGpu(host);
  const gpuPlatform = (host.platform === 'linux' || host.platform === 'win32') && host.arch === 'x64';
  const libraries = gpuPlatform ? findLibraries(host, cudaLibraries(host.platform), librarySearchPath(host)) : [];
  const cudaFound = cudaRuntimeVersions(libraries);
  const cudnnFound = gpuPlatform ? cudnnVersion(host, libraries) : null;
  let usedByTensorflow: boolean | null = null;
  const loaded: Partial<Record<DoctorBackendName, Record<string, string | number | boolean>>> = {};

  const backends: DoctorBackend[] = [];
  for (const name of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const) {
    const checks: DoctorCheck[] = [];
    let pkg: DoctorBackend['package'] = null;
    const blockers: string[] = [];
    if (name === 'tfjs-node-gpu' || name === 'tfjs-node') {
      const info = packageInfo(`@tensorflow/${name}`);
      pkg = { name: info.name, installed: info.installed, version: info.version };
      checks.push({ name: 'package installed', ok: info.installed, detail: info.installed ? `${info.name} ${info.version}` : `${info.name} is not installed (an optional dependency: its install needs network access and a supported platform)` });
      if (!info.installed) blockers.push(`${info.name} is not installed`);
      else {
        for (const c of nativeParts(host, info.dir!)) {
          checks.push(c);
          if (!c.ok) blockers.push(`${c.name} missing: ${c.detail}`);
        }
      }
      if (name === 'tfjs-node-gpu') {
        checks.push({ name: 'platform', ok: gpuPlatform, detail: gpuPlatform ? `${host.platform} ${host.arch}` : `tfjs-node-gpu supports Linux and Windows on x64 only, not ${host.platform} ${host.arch}` });
        checks.push({ name: 'GPU visible', ok: gpuHw.visible, detail: gpuHw.visible ? `${gpuHw.devices.map((d) => d.name).join(', ')} (driver ${gpuHw.driverVersion ?? 'unknown'}, via ${gpuHw.source})` : 'no NVIDIA GPU visible (nvidia-smi not found or lists none; no /dev/nvidia0)' });
        if (gpuHw.driverVersion && host.platform === 'linux') {
          const ok = versionAtLeast(gpuHw.driverVersion, MIN_DRIVER_LINUX);
          checks.push({ name: 'driver', ok, detail: ok ? `${gpuHw.driverVersion} runs CUDA ${CUDA_WANTED} runtimes (needs ≥ ${MIN_DRIVER_LINUX})` : `${gpuHw.driverVersion} is older than ${MIN_DRIVER_LINUX}, the oldest driver for CUDA 11 runtimes` });
        }
        for (const lib of libraries) {
          const other = lib.otherVersions.length ? `; found other versions: ${lib.otherVersions.join(', ')}` : '';
          checks.push({ name: lib.wanted, ok: lib.found !== null, detail: lib.found ?? `not found on the library path${other}` });
        }
        const cudnnOk = cudnnFound ? cudnnFound.split('.')[0] === CUDNN_WANTED.split('.')[0] : false;
        checks.push({ name: 'cuDNN version', ok: cudnnFound ? cudnnOk : null, detail: cudnnFound ? `${cudnnFound} found, ${CUDNN_WANTED} wanted` : `not found, ${CUDNN_WANTED} wanted` });
        if (!gpuPlatform) blockers.push(`unsupported platform ${host.platform} ${host.arch}`);
        const missing = libraries.filter((l) => !l.found);
        if (missing.length) {
          const newer = missing.find((l) => l.otherVersions.length);
          blockers.push(
            `the CUDA ${CUDA_WANTED} / cuDNN ${CUDNN_WANTED} runtime libraries are missing (${missing.map((l) => l.wanted).join(', ')})${newer ? `; found ${newer.otherVersions.join(', ')}, but a newer CUDA does not substitute` : ''}`,
          );
        }
        if (!gpuHw.visible) blockers.push('no GPU visible');
      }
    }
    let blocked: string | null = blockers.length ? blockers.join('; ') : null;
    let usable = false;
    if (!blocked) {
      try {
        const { gpuDevice, details } = await probe.load(name);
        loaded[name] = details;
        if (name === 'tfjs-node-gpu') {
          usedByTensorflow = gpuDevice;
          checks.push({ name: 'TensorFlow uses the GPU', ok: gpuDevice, detail: gpuDevice ? 'a GPU device was created' : 'TensorFlow loaded but created no GPU device (it runs on the CPU)' });
          if (!gpuDevice) blocked = 'TensorFlow loaded but found no usable GPU device';
        }
        usable = !blocked;
        checks.push({ name: 'loads', ok: true, detail: 'loaded in this process' });
      } catch (e) {
        blocked = shortError(e);
        checks.push({ name: 'loads', ok: false, detail: blocked });
      }
    } else checks.push({ name: 'loads', ok: null, detail: 'not tried' });
    backends.push({ name, usable, chosen: false, package: pkg, reason: usable ? null : blocked, checks });
  }
  const chosen = await probe.auto();
  for (const b of backends) b.chosen = b.name === chosen;
  const wasm = loaded.wasm;
  const kernels = loaded[chosen] ?? loaded.wasm ?? loaded.cpu;
  const flag = (v: unknown) => (typeof v === 'boolean' ? v : null);

  const gpuBackend = backends[0];
  const detail = !gpuHw.visible
    ? 'No NVIDIA GPU is visible: training and prediction run on the CPU.'
    : gpuBackend.usable
      ? `tfjs-node-gpu runs on ${gpuHw.devices[0]?.name ?? 'the GPU'}.`
      : `A GPU is visible but tfjs-node-gpu cannot use it: ${gpuBackend.reason}.`;
  return {
    backends,
    chosen,
    gpu: {
      visible: gpuHw.visible,
      devices: gpuHw.devices,
      driverVersion: gpuHw.driverVersion,
      driverCudaVersion: gpuHw.driverCudaVersion,
      cudaWanted: CUDA_WANTED,
      cudnnWanted: CUDNN_WANTED,
      cudaFound,
      cudnnFound,
      libraries,
      usedByTensorflow,
      detail,
    },
    wasm: {
      simd: flag(wasm?.simd),
      threads: flag(wasm?.multithread),
      detail: !wasm
        ? `the wasm backend did not load: ${backends[2].reason}`
        : `SIMD ${wasm.simd ? 'on' : 'off'}; tfjs's own wasm threads ${wasm.multithread ? 'on' : 'off (tfjs has none in Node)'}; Latticework's SIMD kernels run their own threads`,
    },
    kernelThreads: typeof kernels?.kernelThreads === 'number' ? kernels.kernelThreads : null,
    kernelThreadsNote: typeof kernels?.kernelThreadsNote === 'string' ? kernels.kernelThreadsNote : null,
    trainingWorkers: probe.trainingWorkers(chosen),
  };
}

/** What to do with the damaged database at `path` of schema version `version` (the store's RECOVERY_ADVICE, with the file and the version named). */
export function recoveryAdvice(path: string, advice: string, version: number): string {
  return advice.replace('FILE', shellWord(path)).replace('VERSION', String(version));
}

/** integrity_check's messages a damage's summary shows (the report's `integrity` has them all). */
const DAMAGE_SHOWN = 5;

/** A b-tree of sqlite_master: a table's or an index's (`tbl_name` its table), by its root page. */
export interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  rootpage: number;
}

/**
 * PRAGMA integrity_check's messages (not 'ok') in short: how many, the first few, the tables and
 * indexes they are in — SQLite's "Tree N" is the b-tree whose root page is N, named from sqlite_master
 * (`schema`); "… in index NAME" names its index; "NULL value in TABLE.COLUMN" its table — and the
 * messages about single pages (free bytes, a page never used), counted apart. `advice`: what to do.
 */
export function integrityDamage(messages: readonly string[], schema: readonly SchemaObject[], advice: string): DoctorDamage {
  const objects: DoctorDamagedObject[] = [];
  const byRoot = new Map(schema.filter((o) => o.rootpage > 0).map((o) => [o.rootpage, o]));
  const byName = new Map(schema.map((o) => [o.name, o]));
  const add = (o: SchemaObject | undefined, rootPage: number | null, name: string | null) => {
    const key = (x: DoctorDamagedObject) => (o ? x.name === o.name : x.rootPage === rootPage && x.name === name);
    const found = objects.find(key);
    if (found) found.problems++;
    else objects.push({ type: o?.type === 'table' || o?.type === 'index' ? o.type : null, name: o?.name ?? name, table: o && o.type === 'index' ? o.tbl_name : null, rootPage: o?.rootpage ?? rootPage, problems: 1 });
  };
  // SQLite's heading of a database's messages is none of them
  const problems = messages.filter((m) => !m.startsWith('*** in database'));
  let pageProblems = 0;
  for (const m of problems) {
    const tree = /\bTree (\d+)\b/.exec(m);
    const index = /\bindex "?([^\s"]+)"?/.exec(m);
    const nullIn = /\bNULL value in "?([^\s".]+)"?\./.exec(m);
    if (tree) add(byRoot.get(Number(tree[1])), Number(tree[1]), null);
    else if (index) add(byName.get(index[1]), null, index[1]);
    else if (nullIn) add(byName.get(nullIn[1]), null, nullIn[1]);
    else pageProblems++;
  }
  const count = problems.length;
  const named = objects.map((o) => (o.type ? `${o.type} ${o.name}` : o.name ? o.name : `the b-tree at page ${o.rootPage} (not in sqlite_master)`));
  const where = [named.join(', '), pageProblems ? `${pageProblems} about single pages` : ''].filter(Boolean).join('; ');
  const summary = `${count} problem${count === 1 ? '' : 's'}${count >= 100 ? ' (SQLite stops listing at 100)' : ''}${where ? ` in ${where}` : ''}`;
  return { count, first: problems.slice(0, DAMAGE_SHOWN), objects, pageProblems, summary, advice, sound: null };
}

/** What SQLite said when a check stopped at a page it cannot read (SQLITE_CORRUPT, as the store's DatabaseOpenError 'damaged' gives it), or null for any other error. */
const stopped = (e: unknown): string | null => ((e as { problem?: string }).problem === 'damaged' ? ((e as { damage?: string }).damage ?? null) : null);

/**
 * PRAGMA integrity_check's messages. Where a page cannot be read at all (a table's root page overwritten), SQLite stops
 * the whole check with an error and no message: each table is then checked alone (`PRAGMA integrity_check(TABLE)`, the
 * table and its indexes), a table whose check stops too is named with its root page ("Tree N", as SQLite's messages name
 * b-trees), and `sound` lists the tables whose check found nothing (their rows still read); null when the whole check ran.
 */
async function integrityCheck(db: Database, schema: readonly SchemaObject[]): Promise<{ integrity: string[]; sound: string[] | null }> {
  // SQLite gives its messages as the lines of one row
  const check = async (table?: string) =>
    (await db.read((tx) => tx.all<{ integrity_check: string }>(table === undefined ? 'PRAGMA integrity_check' : `PRAGMA integrity_check("${table.replace(/"/g, '""')}")`))).flatMap((r) =>
      r.integrity_check.split('\n'),
    );
  try {
    return { integrity: await check(), sound: null };
  } catch (e) {
    if (stopped(e) === null) throw e;
  }
  const integrity: string[] = [];
  const sound: string[] = [];
  for (const t of schema.filter((o) => o.type === 'table')) {
    try {
      const messages = (await check(t.name)).filter((m) => m !== 'ok');
      if (messages.length) integrity.push(...messages);
      else sound.push(t.name);
    } catch (e) {
      const why = stopped(e);
      if (why === null) throw e;
      integrity.push(`Tree ${t.rootpage}: table ${t.name} cannot be read (${why})`);
    }
  }
  return { integrity, sound };
}

/**
 * The database half: never creates, writes or migrates the file. `unwritableOf`: why this process
 * cannot write it (default the store's own check, as its open refuses the file; a test gives its
 * own, as root writes any file).
 */
export async function probeDatabase(path: string, unwritableOf?: (path: string) => Promise<string | null>): Promise<DoctorDatabase> {
  const latest = migrations.length;
  const base = { path, exists: true, sizeBytes: null, schemaVersion: null, latestSchemaVersion: latest, integrity: null, damage: null, unwritable: null, error: null, unfinishedImports: null };
  if (path === ':memory:') return { ...base, error: 'an in-memory database (nothing on disk to check)' };
  if (!existsSync(path)) return { ...base, exists: false };
  const sizeBytes = statSync(path).size;
  // loaded here, not at the top: the report must come out even where sqlite3's binding does not load
  const { default: sqlite3 } = await import('sqlite3');
  const { Database: Store, DatabaseOpenError, RECOVERY_ADVICE, checkDatabaseFile, schemaProblems, unwritable: storeUnwritable } = await import('../store/database');
  // the recovered copy gets the file's schema version (.dump does not write it), this Latticework's where it cannot be read
  let version: number | null = null;
  const advice = () => recoveryAdvice(path, RECOVERY_ADVICE, version ?? latest);
  // a damaged file: what is wrong and how to recover (not the store's advice to run the doctor); `damage`: an error of SQLite's reading it
  const failure = (e: unknown, damage: boolean): string => {
    if (e instanceof DatabaseOpenError && e.damage !== undefined) return `the database ${path} is damaged (${e.damage}); ${advice()}`;
    return damage && !(e instanceof DatabaseOpenError) ? `${shortError(e)}; ${advice()}` : shortError(e);
  };
  try {
    // the store's own checks before SQLite opens it: not SQLite, empty, truncated, not a file
    await checkDatabaseFile(path, { create: false, write: false });
  } catch (e) {
    return { ...base, sizeBytes, error: failure(e, false) };
  }
  const unwritable = await (unwritableOf ?? storeUnwritable)(path);
  let db: Database;
  try {
    db = await Store.openRaw(path, sqlite3.OPEN_READONLY);
  } catch (e) {
    return { ...base, sizeBytes, unwritable, error: shortError(e) };
  }
  try {
    version = (await db.read((tx) => tx.get<{ user_version: number }>('PRAGMA user_version')))?.user_version ?? 0;
    // the schema's b-trees by their root pages, where sqlite_master can still be read
    const schema = await db.read((tx) => tx.all<SchemaObject>('SELECT type, name, tbl_name, rootpage FROM sqlite_master')).catch(() => []);
    const { integrity, sound } = await integrityCheck(db, schema);
    let damage: DoctorDamage | null = null;
    if (!(integrity.length === 1 && integrity[0] === 'ok')) damage = { ...integrityDamage(integrity, schema, advice()), sound };
    const missing = version <= latest ? await schemaProblems(db, version) : [];
    const tables = await db.tables();
    const unfinishedImports = tables.get('dataset')?.includes('status')
      ? (await db.read((tx) => tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM dataset WHERE status != 'ready'")))!.n
      : null;
    const error = missing.length ? `the schema is damaged (${missing.join(', ')}); ${advice()}` : null;
    return { ...base, sizeBytes, schemaVersion: version, integrity, damage, unwritable, error, unfinishedImports };
  } catch (e) {
    return { ...base, sizeBytes, schemaVersion: version, unwritable, error: failure(e, true) };
  } finally {
    await db.close().catch(() => undefined);
  }
}

/** The Electron binary as the electron package records it (path.txt → dist/…), without downloading it. */
export function probeElectron(host: DoctorHost = nodeHost): DoctorReport['electron'] {
  const info = packageInfo('electron');
  if (!info.installed) return { available: false, path: null, version: null, abi: null, reason: 'the electron package is not installed' };
  const abi = host.read(join(info.dir!, 'abi_version'))?.trim() ?? null;
  const rel = host.read(join(info.dir!, 'path.txt'))?.trim();
  if (!rel) return { available: false, path: null, version: info.version, abi, reason: `electron ${info.version} is installed but its binary was never downloaded (no path.txt: the download was blocked or skipped)` };
  const path = join(info.dir!, 'dist', rel);
  if (!host.exists(path)) return { available: false, path, version: info.version, abi, reason: `the Electron binary ${path} is missing` };
  return { available: true, path, version: info.version, abi, reason: null };
}

/** sqlite3's native binding: where it is, which N-API versions it targets, whether it loads here. */
export async function probeSqlite(): Promise<DoctorReport['sqlite3']> {
  const info = packageInfo('sqlite3');
  const base = {
    version: info.version,
    sqliteVersion: null as string | null,
    binding: null as string | null,
    napiVersions: [] as number[],
    runtimeAbi: process.versions.modules,
    runtimeNapi: process.versions.napi ?? 'unknown',
    loads: false,
    error: null as string | null,
  };
  if (!info.installed) return { ...base, error: 'the sqlite3 package is not installed' };
  const pkg = JSON.parse(readFileSync(join(info.dir!, 'package.json'), 'utf8')) as { binary?: { napi_versions?: number[] } };
  base.napiVersions = pkg.binary?.napi_versions ?? [];
  const binding = join(info.dir!, 'build', 'Release', 'node_sqlite3.node');
  base.binding = existsSync(binding) ? binding : null;
  try {
    const { default: sqlite3 } = await import('sqlite3');
    return { ...base, sqliteVersion: sqlite3.VERSION, loads: true };
  } catch (e) {
    return { ...base, error: shortError(e) };
  }
}

/** The report's summary: what is wrong or missing, most important first. */
export function problemsOf(r: Omit<DoctorReport, 'problems'>): string[] {
  const out: string[] = [];
  const damage = r.database.damage;
  if (damage)
    out.push(
      `The database ${r.database.path} is damaged: PRAGMA integrity_check found ${damage.summary} (the first under Database; every one in \`latticework doctor --json\`)` +
        `${damage.sound ? `; the other tables check sound and still read (${damage.sound.join(', ')})` : ''}; ${damage.advice}`,
    );
  if (r.database.exists && r.database.error && r.database.path !== ':memory:') out.push(`The database ${r.database.path} cannot be read: ${r.database.error}`);
  if (r.database.unwritable) out.push(r.database.unwritable.replace(/^the /, 'The '));
  if (r.database.schemaVersion !== null && r.database.schemaVersion > r.database.latestSchemaVersion) out.push(`The database has schema version ${r.database.schemaVersion}, newer than this Latticework (${r.database.latestSchemaVersion})`);
  if (r.database.unfinishedImports) out.push(`${r.database.unfinishedImports} dataset import(s) did not finish: resume or discard them in Datasets`);
  if (!r.sqlite3.loads) out.push(`sqlite3's native binding does not load: ${r.sqlite3.error}`);
  const gpu = r.backends.find((b) => b.name === 'tfjs-node-gpu');
  if (r.gpu.visible && gpu && !gpu.usable) out.push(`A GPU is visible but unused: ${gpu.reason}. See the README's GPU section.`);
  if (!r.backends.some((b) => b.usable && (b.name === 'wasm' || b.name === 'tfjs-node' || b.name === 'tfjs-node-gpu'))) out.push('Only the slow cpu backend is available');
  if (r.wasm.simd === false) out.push('WebAssembly SIMD is unavailable: the wasm backend and the SIMD kernels are much slower');
  if (!r.electron.available) out.push(`No desktop app: ${r.electron.reason}; \`npm start\` opens browser mode instead`);
  return out;
}

/** Assembles the report from its parts (the app computes the compute half in a worker). */
export function assembleReport(parts: Omit<DoctorReport, 'problems' | 'latticework'>): DoctorReport {
  const withInfo = {
    latticework: { version: VERSION, node: process.versions.node, platform: process.platform, arch: process.arch, cpus: cpus().length, memoryBytes: totalmem() },
    ...parts,
  };
  return { ...withInfo, problems: problemsOf(withInfo) };
}

/** The probe that loads the engine's backends in this process (the CLI; the app runs it in a compute worker). */
export function engineProbe(): ComputeProbe {
  return {
    async load(name) {
      const { initBackend, tf } = await import('../engine/tf/backend');
      const choice = await initBackend({ force: name, env: {} });
      const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
      return { gpuDevice: name === 'tfjs-node-gpu' ? backend.isUsingGpuDevice === true : null, details: choice.details };
    },
    async auto() {
      const { initBackend } = await import('../engine/tf/backend');
      return (await initBackend()).candidate;
    },
    trainingWorkers: (backend) => defaultTrainingWorkers(backend),
  };
}
