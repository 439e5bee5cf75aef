import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assembleReport,
  cudaRuntimeVersions,
  integrityDamage,
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
import { damagedStore } from '../../helpers/damaged-store';
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
    const integrity = ['*** in database main ***', 'Page 5 is never used'];
    const report = assembleReport({
      ...compute,
      database: { path: '/x.sqlite', exists: true, sizeBytes: 4096, schemaVersion: 3, latestSchemaVersion: 3, integrity, damage: integrityDamage(integrity, [], 'restore a backup'), unwritable: null, error: null, unfinishedImports: 0 },
      electron: probeElectron(fakeHost({})),
      sqlite3: await probeSqlite(),
    });
    expect(report.problems[0]).toBe('The database /x.sqlite is damaged: PRAGMA integrity_check found 1 problem in 1 about single pages (the first under Database; every one in `latticework doctor --json`); restore a backup');
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

describe('doctor: a damaged or read-only database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-doctor-db-'));

  it("names the tables and indexes integrity_check's messages are about (SQLite's Tree N by sqlite_master's root pages), and counts the rest", () => {
    const schema = [
      { type: 'table', name: 'simulation_frame', tbl_name: 'simulation_frame', rootpage: 25 },
      { type: 'index', name: 'simulation_frame_by_step', tbl_name: 'simulation_frame', rootpage: 26 },
      { type: 'table', name: 'run', tbl_name: 'run', rootpage: 4 },
    ];
    const messages = [
      '*** in database main ***',
      'Tree 25 page 25 cell 78: Offset 50229 out of range 3637..4092',
      'Tree 25 page 25 cell 77: Offset 56095 out of range 3637..4092',
      'Fragmentation of 378 bytes reported as 0 on page 1782',
      'Tree 26 page 1915 cell 195: Offset 30479 out of range 1627..4092',
      'row 12 missing from index simulation_frame_by_step',
      'Tree 31 page 40 cell 1: Rowid 5 out of order',
      'NULL value in run.status',
    ];
    const d = integrityDamage(messages, schema, 'restore a backup');
    expect(d.count).toBe(7);
    expect(d.first).toEqual(messages.slice(1, 6));
    expect(d.pageProblems).toBe(1);
    expect(d.objects).toEqual([
      { type: 'table', name: 'simulation_frame', table: null, rootPage: 25, problems: 2 },
      { type: 'index', name: 'simulation_frame_by_step', table: 'simulation_frame', rootPage: 26, problems: 2 },
      { type: null, name: null, table: null, rootPage: 31, problems: 1 },
      { type: 'table', name: 'run', table: null, rootPage: 4, problems: 1 },
    ]);
    expect(d.summary).toBe('7 problems in table simulation_frame, index simulation_frame_by_step, the b-tree at page 31 (not in sqlite_master), table run; 1 about single pages');
    expect(integrityDamage(Array.from({ length: 100 }, (_, i) => `Tree 4 page ${i + 5}: btreeInitPage() returns error code 11`), schema, '').summary).toBe('100 problems (SQLite stops listing at 100) in table run');
  });

  it('reports a store damaged inside in a few lines: how many problems, the first, the indexes hit, how to recover; every message in the JSON', async () => {
    const path = join(dir, 'damaged.sqlite');
    await damagedStore(path);
    const d = await probeDatabase(path);
    const messages = d.integrity!.filter((m) => !m.startsWith('***'));
    expect(messages.length).toBeGreaterThan(0);
    expect(d.damage!.count).toBe(messages.length);
    expect(d.damage!.objects.map((o) => [o.type, o.table])).toEqual(messages.map(() => ['index', 'structure']));
    expect(d.damage!.objects.map((o) => o.name)).toContain('structure_created');
    expect(d.damage!.summary).toBe(`${messages.length} problems in ${d.damage!.objects.map((o) => `index ${o.name}`).join(', ')}`);
    expect(d.damage!.advice).toBe(
      `restore a backup, or save what SQLite can still read with \`(sqlite3 ${path} .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/'; echo 'PRAGMA user_version = ${d.schemaVersion};') | sqlite3 RECOVERED.sqlite\` (a table it cannot read comes back empty) and open that with --db`,
    );
    const compute = await probeCompute(cuda12Workstation, probeWith({ wasm: { gpuDevice: null }, cpu: { gpuDevice: null } }));
    const databaseSection = (text: string) => text.slice(text.indexOf('\nDatabase\n'), text.indexOf('\nDesktop and storage\n')).trim().split('\n');
    const text = formatDoctorReport(assembleReport({ ...compute, database: d, electron: probeElectron(fakeHost({})), sqlite3: await probeSqlite() }));
    expect(databaseSection(text)).toEqual([
      'Database',
      `  ${path}`,
      expect.stringMatching(/^ {2}[\d.]+ MiB, schema version \d+ of \d+$/),
      `  integrity_check: ${d.damage!.summary}:`,
      ...messages.map((m) => `    ${m}`),
      `  to recover: ${d.damage!.advice}`,
    ]);
    // said once among the problems, in one line
    const problems = text.slice(text.indexOf('\nProblems\n')).split('\n').filter((l) => l.includes(path));
    expect(problems).toEqual([`  - The database ${path} is damaged: PRAGMA integrity_check found ${d.damage!.summary} (the first under Database; every one in \`latticework doctor --json\`); ${d.damage!.advice}`]);
    // SQLite's 100 messages (the tester's store): the first 5 shown, every one in the JSON
    const hundred = ['*** in database main ***', ...Array.from({ length: 100 }, (_, i) => `Tree 3 page ${i + 3} cell 1: Offset ${i} out of range 3637..4092`)];
    const many = { ...d, integrity: hundred, damage: integrityDamage(hundred, [{ type: 'index', name: 'structure_created', tbl_name: 'structure', rootpage: 3 }], d.damage!.advice) };
    const report = assembleReport({ ...compute, database: many, electron: probeElectron(fakeHost({})), sqlite3: await probeSqlite() });
    const section = databaseSection(formatDoctorReport(report));
    expect(section.slice(3)).toEqual([
      '  integrity_check: 100 problems (SQLite stops listing at 100) in index structure_created; the first 5 (every one with --json):',
      ...hundred.slice(1, 6).map((m) => `    ${m}`),
      `  to recover: ${d.damage!.advice}`,
    ]);
    expect(JSON.parse(JSON.stringify(report)).database.integrity).toEqual(hundred);
  });

  it("names a table whose root page cannot be read (SQLite stops the whole check), with the schema version and the tables that still read", async () => {
    const path = join(dir, 'root.sqlite');
    const db = await Database.open(path);
    const root = (await db.read((tx) => tx.get<{ rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE name = 'metric'")))!.rootpage;
    await db.close();
    // the tester's damage: a leaf-table page header with a cell count past the page, its end overwritten
    const bytes = readFileSync(path);
    bytes[(root - 1) * 4096] = 0x0d;
    bytes.fill(0xff, (root - 1) * 4096 + 1, (root - 1) * 4096 + 12);
    bytes.fill(0xff, (root - 1) * 4096 + 3000, root * 4096);
    writeFileSync(path, bytes);
    const d = await probeDatabase(path);
    // before: schemaVersion null, integrity and damage null, "cannot be read"
    expect(d).toMatchObject({ schemaVersion: migrations.length, error: null });
    expect(d.damage!.objects.map((o) => o.name)).toEqual(['metric']);
    expect(d.damage!.first[0]).toBe(`Tree ${root}: table metric cannot be read (database disk image is malformed)`);
    expect(d.damage!.sound).toContain('run');
    expect(d.damage!.sound).not.toContain('metric');
  });

  it('lists a database Latticework cannot write among the problems, as the app, serve and train refuse it (the store\'s own check)', async () => {
    const path = join(dir, 'ro.sqlite');
    const db = await Database.open(path);
    await db.close();
    // root may write any file: the check the store's open makes is given here as it answers for a file that is read-only
    const said = `the database ${path} is read-only: Latticework needs to write to it; change the permissions or choose another file with --db`;
    const d = await probeDatabase(path, async (p) => (p === path ? said : null));
    expect(d).toMatchObject({ integrity: ['ok'], damage: null, unwritable: said, error: null });
    const report = assembleReport({ ...(await probeCompute(cuda12Workstation, probeWith({ wasm: { gpuDevice: null }, cpu: { gpuDevice: null } }))), database: d, electron: probeElectron(fakeHost({})), sqlite3: await probeSqlite() });
    expect(report.problems[0]).toBe(`The database ${path} is read-only: Latticework needs to write to it; change the permissions or choose another file with --db`);
    expect(formatDoctorReport(report)).toContain(`\n  integrity_check: ok\n  ${said}\n`);
    // by default the store's own check: a file this process can write is no problem
    expect((await probeDatabase(path)).unwritable).toBeNull();
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
