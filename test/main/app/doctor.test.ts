import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assembleReport,
  cudaRuntimeVersions,
  findLibraries,
  probeCompute,
  probeDatabase,
  probeElectron,
  probeSqlite,
  type ComputeProbe,
  type DoctorHost,
} from '../../../src-main/app/doctor';
import { doctorCommand, formatDoctorReport } from '../../../src-main/cli/commands/doctor';
import { Database } from '../../../src-main/store/database';
import { migrations } from '../../../src-main/store/migrations';
import type { DoctorBackendName } from '../../../src-shared/ipc/services/doctor';

/** A machine described by files and program outputs. */
function fakeHost(files: Record<string, string>, programs: Record<string, string> = {}, env: Record<string, string> = {}): DoctorHost {
  const paths = Object.keys(files);
  return {
    platform: 'linux',
    arch: 'x64',
    env,
    exists: (p) => p in files || paths.some((f) => f.startsWith(`${p}/`)),
    list: (dir) => [...new Set(paths.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1).split('/')[0]))],
    read: (p) => files[p] ?? null,
    run: (cmd, args) => programs[[cmd, ...args].join(' ')] ?? null,
  };
}

/** A probe for machines where only the built-in backends load. */
function probeWith(loads: Partial<Record<DoctorBackendName, { gpuDevice: boolean | null }>>): ComputeProbe {
  return {
    async load(name) {
      const r = loads[name];
      if (!r) throw new Error(`${name} cannot load here`);
      const details: Record<string, string | number | boolean> = name === 'wasm' ? { simd: true, multithread: false, kernelThreads: 2 } : {};
      return { ...r, details };
    },
    async auto() {
      return (['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const).find((n) => loads[n])!;
    },
    trainingWorkers: (b) => ({ default: b === 'wasm' ? 2 : 1, detail: 'test' }),
  };
}

const cuda12Workstation = fakeHost(
  {
    '/usr/local/cuda-12.2/lib64/libcudart.so.12': '',
    '/usr/local/cuda-12.2/lib64/libcudart.so.12.2.140': '',
    '/usr/local/cuda-12.2/lib64/libcublas.so.12': '',
    '/usr/lib/x86_64-linux-gnu/libcudnn.so.9': '',
    '/usr/include/cudnn_version.h': '#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 0\n',
    '/dev/nvidia0': '',
  },
  {
    'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits': 'NVIDIA RTX A4000, 16376, 535.104.05\n',
    'nvidia-smi': '| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.2 |\n',
  },
);

describe('doctor: GPU, CUDA and cuDNN', () => {
  it('finds wanted libraries and lists the other versions beside them', () => {
    const libs = findLibraries(cuda12Workstation, ['libcudart.so.11.0', 'libcudnn.so.8'], ['/usr/local/cuda-12.2/lib64', '/usr/lib/x86_64-linux-gnu']);
    expect(libs[0]).toEqual({ wanted: 'libcudart.so.11.0', found: null, otherVersions: ['libcudart.so.12', 'libcudart.so.12.2.140'] });
    expect(libs[1]).toEqual({ wanted: 'libcudnn.so.8', found: null, otherVersions: ['libcudnn.so.9'] });
    expect(cudaRuntimeVersions(libs)).toEqual(['12', '12.2.140']);
  });

  it('says why a CUDA 12 workstation falls back to the CPU: runtime 11.2 and cuDNN 8.1 missing, newer ones do not substitute', async () => {
    // tfjs-node-gpu is not installed in this test environment, so make the check about the libraries:
    // the report must still name what is found and wanted.
    const r = await probeCompute(cuda12Workstation, probeWith({ wasm: { gpuDevice: null }, cpu: { gpuDevice: null } }));
    expect(r.gpu.visible).toBe(true);
    expect(r.gpu.devices).toEqual([{ name: 'NVIDIA RTX A4000', memoryMiB: 16376 }]);
    expect(r.gpu.driverVersion).toBe('535.104.05');
    expect(r.gpu.driverCudaVersion).toBe('12.2');
    expect(r.gpu.cudaWanted).toBe('11.2');
    expect(r.gpu.cudnnWanted).toBe('8.1');
    expect(r.gpu.cudaFound).toEqual(['12', '12.2.140']);
    expect(r.gpu.cudnnFound).toBe('9.1.0');
    const gpu = r.backends[0];
    expect(gpu.name).toBe('tfjs-node-gpu');
    expect(gpu.usable).toBe(false);
    const check = (name: string) => gpu.checks.find((c) => c.name === name);
    expect(check('GPU visible')?.ok).toBe(true);
    expect(check('driver')).toMatchObject({ ok: true });
    expect(check('libcudart.so.11.0')).toMatchObject({ ok: false });
    expect(check('libcudart.so.11.0')?.detail).toContain('libcudart.so.12');
    expect(check('cuDNN version')).toMatchObject({ ok: false, detail: '9.1.0 found, 8.1 wanted' });
    expect(r.chosen).toBe('wasm');
    expect(r.backends.map((b) => [b.name, b.usable, b.chosen])).toEqual([
      ['tfjs-node-gpu', false, false],
      ['tfjs-node', false, false],
      ['wasm', true, true],
      ['cpu', true, false],
    ]);
    expect(r.wasm).toMatchObject({ simd: true, threads: false });
    expect(r.kernelThreads).toBe(2);
  });

  it('reports no GPU on a machine without driver or device', async () => {
    const r = await probeCompute(fakeHost({}), probeWith({ cpu: { gpuDevice: null } }));
    expect(r.gpu.visible).toBe(false);
    expect(r.gpu.detail).toMatch(/No NVIDIA GPU is visible/);
    expect(r.backends[2]).toMatchObject({ name: 'wasm', usable: false, reason: 'wasm cannot load here' });
    expect(r.wasm.simd).toBeNull();
    expect(r.chosen).toBe('cpu');
  });

  it('flags a driver too old for CUDA 11 runtimes', async () => {
    const host = fakeHost({ '/dev/nvidia0': '' }, { 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader,nounits': 'Tesla K80, 11441, 418.87.01\n', 'nvidia-smi': '' });
    const r = await probeCompute(host, probeWith({ wasm: { gpuDevice: null } }));
    expect(r.backends[0].checks.find((c) => c.name === 'driver')).toMatchObject({ ok: false });
  });

  it('puts an unused visible GPU and a failed integrity check among the problems', async () => {
    const compute = await probeCompute(cuda12Workstation, probeWith({ wasm: { gpuDevice: null }, cpu: { gpuDevice: null } }));
    const report = assembleReport({
      ...compute,
      database: { path: '/x.sqlite', exists: true, sizeBytes: 4096, schemaVersion: 3, latestSchemaVersion: 3, integrity: ['*** in database main ***', 'Page 5 is never used'], error: null, unfinishedImports: 0 },
      electron: probeElectron(fakeHost({})),
      sqlite3: await probeSqlite(),
    });
    expect(report.problems[0]).toMatch(/failed PRAGMA integrity_check: \*\*\* in database main \*\*\*; Page 5 is never used/);
    expect(report.problems.some((p) => /A GPU is visible but unused: .*libcudart\.so\.11\.0/.test(p))).toBe(true);
    expect(formatDoctorReport(report)).toContain('CUDA runtime: wanted 11.2, found 12, 12.2.140; cuDNN: wanted 8.1, found 9.1.0');
  });
});

describe('doctor: database, sqlite3, Electron', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-doctor-'));

  it('does not create a missing database', async () => {
    const path = join(dir, 'missing.sqlite');
    const d = await probeDatabase(path);
    expect(d).toMatchObject({ exists: false, integrity: null, schemaVersion: null });
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
  });

  it('runs PRAGMA integrity_check on an app database', async () => {
    const path = join(dir, 'app.sqlite');
    const db = await Database.open(path);
    await db.close();
    const d = await probeDatabase(path);
    expect(d).toMatchObject({ exists: true, schemaVersion: migrations.length, latestSchemaVersion: migrations.length, integrity: ['ok'], error: null });
  });

  it('reports a file that is not a database', async () => {
    const path = join(dir, 'junk.sqlite');
    writeFileSync(path, 'this is not an SQLite file, but long enough to have a header.......................................................');
    const d = await probeDatabase(path);
    expect(d.exists).toBe(true);
    expect(d.error ?? d.integrity?.join(' ')).toMatch(/not a (Latticework )?database|malformed/);
  });

  it("reads sqlite3's binding and N-API versions", async () => {
    const s = await probeSqlite();
    expect(s.loads).toBe(true);
    expect(s.napiVersions.length).toBeGreaterThan(0);
    expect(s.sqliteVersion).toMatch(/^3\.\d+/);
    expect(s.runtimeAbi).toBe(process.versions.modules);
  });

  it('reads the Electron binary from the package files, never downloading it', () => {
    const e = probeElectron(fakeHost({}));
    expect(e.available).toBe(false);
    expect(e.reason).toMatch(/never downloaded|not installed/);
  });
});

describe('latticework doctor', () => {
  it('prints one JSON report with every section', async () => {
    const out: string[] = [];
    const db = join(mkdtempSync(join(tmpdir(), 'lw-doctor-cli-')), 'none.sqlite');
    const code = await doctorCommand.run({ argv: ['--db', db, '--json'], cwd: process.cwd(), io: { out: (t) => out.push(t), err: () => {} } });
    expect(code).toBe(0);
    const r = JSON.parse(out.join('\n'));
    expect(Object.keys(r).sort()).toEqual(['backends', 'chosen', 'database', 'electron', 'gpu', 'kernelThreads', 'kernelThreadsNote', 'latticework', 'problems', 'sqlite3', 'trainingWorkers', 'wasm'].sort());
    expect(r.backends.map((b: { name: string }) => b.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']);
    expect(r.backends.filter((b: { chosen: boolean }) => b.chosen)).toHaveLength(1);
    expect(r.database).toMatchObject({ path: db, exists: false });
    // here: no tfjs-node packages, wasm with SIMD
    expect(r.backends[0]).toMatchObject({ usable: false, package: { name: '@tensorflow/tfjs-node-gpu' } });
    expect(r.chosen).toBe('wasm');
    expect(r.wasm.simd).toBe(true);
    expect(r.trainingWorkers.default).toBeGreaterThanOrEqual(1);
  });
});
