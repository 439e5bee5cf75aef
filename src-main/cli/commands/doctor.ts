/**
 * `latticework doctor [--db PATH] [--json]`: the backends this machine can run and why not the others,
 * the GPU, CUDA and cuDNN (found and wanted), WebAssembly SIMD and threads, kernel threads, training
 * workers, the database and its integrity, the Electron binary and sqlite3's binding (src-main/app/doctor).
 */
import type { DoctorCheck, DoctorReport } from '../../../src-shared/ipc/services/doctor';
import { assembleReport, engineProbe, nodeHost, probeCompute, probeDatabase, probeElectron, probeSqlite } from '../../app/doctor';
import { databasePath } from '../../app/paths';
import { flagOptions, parseCommandArgs, valueOptions, type Command } from '../command';

const usage = `Usage: latticework doctor [--db PATH] [--json]

Reports what this machine can run: each tfjs backend (tfjs-node-gpu, tfjs-node, wasm, cpu) and why it
is or is not usable (package installed? libtensorflow? CUDA and cuDNN runtime libraries found and
wanted? GPU and driver visible? does TensorFlow place work on the GPU?), WebAssembly SIMD and threads,
the SIMD kernels' threads, data-parallel training workers, the database (location, schema,
PRAGMA integrity_check; never created by this command), the Electron binary and sqlite3's binding.
  --db PATH   the database to check (default $LATTICEWORK_DB, else the data directory's)
  --json      one JSON document (the same report as the app's status bar link)
Exit status: 0 (the report lists problems; it does not fail on them), 2 bad usage.`;

export async function doctorReport(dbPath: string): Promise<DoctorReport> {
  const [compute, database, sqlite3] = await Promise.all([probeCompute(nodeHost, engineProbe()), probeDatabase(dbPath), probeSqlite()]);
  return assembleReport({ ...compute, database, electron: probeElectron(), sqlite3 });
}

const mark = (ok: boolean | null) => (ok === null ? '·' : ok ? '✓' : '✗');

function checkLine(c: DoctorCheck): string {
  return `      ${mark(c.ok)} ${c.name}: ${c.detail}`;
}

/** The report as text, for people. */
export function formatDoctorReport(r: DoctorReport): string {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const lines: string[] = [];
  const l = r.latticework;
  lines.push(`Latticework ${l.version} on Node ${l.node}, ${l.platform} ${l.arch}, ${l.cpus} cores, ${gib(l.memoryBytes)}`);
  lines.push('', 'Backends (in order of preference)');
  for (const b of r.backends) {
    const state = b.chosen ? 'chosen' : b.usable ? 'usable' : `not usable: ${b.reason}`;
    lines.push(`  ${mark(b.usable)} ${b.name.padEnd(14)} ${state}`);
    if (b.name === 'tfjs-node-gpu' || b.name === 'tfjs-node' || !b.usable) for (const c of b.checks) lines.push(checkLine(c));
  }
  const g = r.gpu;
  lines.push('', 'GPU');
  lines.push(`  ${g.detail}`);
  if (g.visible) lines.push(`  devices: ${g.devices.map((d) => `${d.name}${d.memoryMiB ? ` (${d.memoryMiB} MiB)` : ''}`).join(', ')}; driver ${g.driverVersion ?? 'unknown'}${g.driverCudaVersion ? ` (supports CUDA up to ${g.driverCudaVersion})` : ''}`);
  lines.push(`  CUDA runtime: wanted ${g.cudaWanted}, found ${g.cudaFound.length ? g.cudaFound.join(', ') : 'none'}; cuDNN: wanted ${g.cudnnWanted}, found ${g.cudnnFound ?? 'none'}`);
  if (g.usedByTensorflow !== null) lines.push(`  TensorFlow uses the GPU: ${g.usedByTensorflow ? 'yes' : 'no'}`);
  lines.push('', 'Compute');
  lines.push(`  WebAssembly: ${r.wasm.detail}`);
  lines.push(`  SIMD kernel threads: ${r.kernelThreads ?? '—'}${r.kernelThreadsNote ? ` (${r.kernelThreadsNote})` : ''}`);
  lines.push(`  data-parallel training workers: ${r.trainingWorkers.default} (${r.trainingWorkers.detail})`);
  const d = r.database;
  lines.push('', 'Database');
  lines.push(`  ${d.path}`);
  if (!d.exists) lines.push('  not created yet (the app or a model command creates it)');
  else {
    if (d.sizeBytes !== null) lines.push(`  ${(d.sizeBytes / 2 ** 20).toFixed(1)} MiB, schema version ${d.schemaVersion ?? '?'} of ${d.latestSchemaVersion}`);
    if (d.damage) {
      // the first few as SQLite says them, where they are, and what to do: the whole list is in --json
      const { first, count } = d.damage;
      lines.push(`  integrity_check: ${d.damage.summary}${count > first.length ? `; the first ${first.length} (every one with --json)` : ''}:`);
      for (const m of first) lines.push(`    ${m}`);
      if (d.damage.sound) lines.push(`  the other tables check sound and still read: ${d.damage.sound.join(', ')}`);
      lines.push(`  to recover: ${d.damage.advice}`);
    } else if (d.integrity) lines.push(`  integrity_check: ${d.integrity.join('; ')}`);
    if (d.unwritable) lines.push(`  ${d.unwritable}`);
    if (d.error) lines.push(`  ${d.error}`);
  }
  lines.push('', 'Desktop and storage');
  const e = r.electron;
  lines.push(`  Electron: ${e.available ? `${e.version} at ${e.path}` : e.reason}${e.abi ? ` (ABI ${e.abi})` : ''}`);
  const s = r.sqlite3;
  lines.push(
    `  sqlite3: ${s.version ?? 'not installed'}${s.sqliteVersion ? ` (SQLite ${s.sqliteVersion})` : ''}; binding ${s.binding ?? 'not found'}; ` +
      `N-API ${s.napiVersions.join(', ') || '?'} (loads in any runtime with N-API ≥ ${Math.min(...(s.napiVersions.length ? s.napiVersions : [0]))}); ` +
      `this runtime: ABI ${s.runtimeAbi}, N-API ${s.runtimeNapi}; ${s.loads ? 'loads' : `does not load: ${s.error}`}`,
  );
  lines.push('', r.problems.length ? 'Problems' : 'No problems found.');
  for (const p of r.problems) lines.push(`  - ${p}`);
  return lines.join('\n');
}

export const doctorCommand: Command = {
  usage,
  async run(ctx) {
    const parsed = parseCommandArgs(ctx, 'doctor', usage, { options: { ...valueOptions('db'), ...flagOptions('json') } });
    if (!parsed) return 2;
    const report = await doctorReport(databasePath(parsed.values.db));
    ctx.io.out(parsed.values.json ? JSON.stringify(report, null, 2) : formatDoctorReport(report));
    return 0;
  },
};
