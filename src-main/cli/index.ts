/**
 * `latticework`: the command line. Every command prints human-readable text, and one JSON
 * document with `--json`: its result, or `{"error": {"message", "status"}}` when it failed before it
 * had one (`main` adds it, from the failure stderr names; with `"stoppedBy": "SIGINT"|"SIGTERM"` when a stop
 * signal ended it so).
 *
 * Start-up loads this table and nothing else: a command's module (and what it imports: tfjs,
 * SQLite, the chemistry readers) is imported only when that command runs, so `--version`,
 * `--help` and light commands stay quick. A new command is one module under commands/ and one
 * line here.
 */
import { once } from 'node:events';
import { UsageProblem, usageError, type CliIo, type Command, type CommandEntry } from './command';
import { VERSION } from '../app/version';
import { errorDocument, heedStopSignalsFromStart, stoppedBy } from './signals';

export const commands: CommandEntry[] = [
  { name: 'start', summary: 'start the desktop app (browser mode where Electron cannot start)', load: async () => (await import('./commands/start')).startCommand },
  { name: 'serve', summary: 'run in browser mode (local host process serving the app)', load: async () => (await import('./commands/serve')).serveCommand },
  { name: 'structure', summary: 'read structure files and trajectories, build supercells, vacancy hops and other cells: structure info|frames|rdf|msd|supercell|vacancy-hop|cell FILE... [--json]', noDatabase: true, stops: true, load: async () => (await import('./commands/structure')).structureCommand },
  { name: 'graph', summary: 'print the crystal graph (neighbours within a cutoff, periodic images) of structure files', noDatabase: true, load: async () => (await import('./commands/graph')).graphCommand },
  { name: 'import-model', summary: 'import a CGCNN .pth.tar checkpoint as a Latticework model', models: true, stops: true, load: async () => (await import('./commands/import-model')).importModelCommand },
  { name: 'predict', summary: 'predict properties of structures with a model', models: true, stops: true, load: async () => (await import('./commands/predict')).predictCommand },
  { name: 'train', summary: 'train a model on a dataset: a CGCNN folder, a CSV, extended XYZ or the labelled frames of any structure file (recorded as a run)', models: true, stops: true, load: async () => (await import('./commands/train')).trainCommand },
  { name: 'relax', summary: 'relax a structure (atoms, and the cell with --cell) with emt, lj, morse or a trained potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).relaxCommand },
  { name: 'md', summary: 'molecular dynamics (NVE, NVT, NPT) of a structure with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).mdCommand },
  { name: 'elastic', summary: 'elastic constants (6×6 C, bulk and shear moduli, Born stability) with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).elasticCommand },
  { name: 'phonons', summary: 'phonons by finite displacements, as phonopy (band path, density of states, free energy, entropy, heat capacity) with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).phononsCommand },
  { name: 'neb', summary: 'the minimum energy path and barrier between two states (nudged elastic band, climbing image) with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).nebCommand },
  { name: 'vibrations', summary: 'harmonic vibrations at the Γ point (mode energies, wavenumbers, zero-point energy) with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).vibrationsCommand },
  { name: 'eos', summary: 'equation of state (Birch–Murnaghan fit of energies over volumes) with a potential', models: true, stops: true, load: async () => (await import('./commands/simulate')).eosCommand },
  { name: 'export', summary: 'export a run or config with its data as a folder that trains with PyTorch (torchrun, Slurm)', stops: true, load: async () => (await import('./commands/export')).exportCommand },
  { name: 'import-run', summary: 'bring back a run trained with PyTorch from an export folder (an external run)', load: async () => (await import('./commands/import-run')).importRunCommand },
  { name: 'runs', summary: 'list the training runs of the database (app and command line)', load: async () => (await import('./commands/runs')).runsCommand },
  { name: 'doctor', summary: 'what this machine can run (backends, GPU/CUDA, threads, database, Electron, sqlite3)', load: async () => (await import('./commands/doctor')).doctorCommand },
];

/**
 * Takes `--db PATH` (or `--db=PATH`) out of a model command's arguments, or of a command that uses no database;
 * given twice, a UsageProblem (as the commands' own options: parseOptions).
 */
function takeDbOption(argv: string[]): { db: string | undefined; rest: string[] } {
  const at = (args: string[]) => args.findIndex((a) => a === '--db' || a.startsWith('--db='));
  const i = at(argv);
  if (i < 0) return { db: undefined, rest: argv };
  const inline = argv[i].startsWith('--db=');
  const db = inline ? argv[i].slice(5) : argv[i + 1];
  const rest = [...argv.slice(0, i), ...argv.slice(i + (inline ? 1 : 2))];
  if (at(rest) >= 0) throw new UsageProblem('--db given twice: give it once');
  return { db, rest };
}

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Latticework ${VERSION}: a workbench for graph neural networks on crystals and molecules`,
    '',
    'Usage: latticework <command> [options]   (latticework <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global: --version, --help. The database is --db PATH, else $LATTICEWORK_DB, else the data directory.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo, cwd = process.cwd()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    // no command is bad usage: the usage, on stderr
    io.err(help());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const message = `unknown command "${name}"`;
    io.err(`latticework: ${message}\n\n${help()}`);
    if (rest.includes('--json')) io.out(JSON.stringify({ error: { message, status: 2 } }));
    return 2;
  }
  const stopWaiting = entry.stops ? heedStopSignalsFromStart() : null;
  try {
    return await runEntry(entry, rest, io, cwd);
  } finally {
    stopWaiting?.();
  }
}

/** Loads the command and runs it; with --json, makes sure stdout holds one JSON document. */
async function runEntry(entry: CommandEntry, rest: string[], io: CliIo, cwd: string): Promise<number> {
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  // with --json, stdout holds one JSON document: the command's result, or {"error"} when it printed none
  const json = rest.includes('--json');
  let printed = false;
  const said: string[] = [];
  const watched: CliIo = {
    out: (text) => {
      printed = true;
      io.out(text);
    },
    err: (text) => {
      said.push(text);
      io.err(text);
    },
    ...(io.write && {
      write: (text: string) => {
        printed = true;
        return io.write!(text);
      },
    }),
  };
  const status = await runCommand(entry, command, rest, watched, cwd);
  if (json && status !== 0 && !printed) {
    // a command a stop signal ended before it had a result: which signal (its message says what it kept)
    const signal = stoppedBy(status);
    io.out(errorDocument(failureMessage(entry.name, said), status, signal));
  }
  return status;
}

async function runCommand(entry: CommandEntry, command: Command, rest: string[], io: CliIo, cwd: string): Promise<number> {
  try {
    if (entry.noDatabase) return await command.run({ argv: takeDbOption(rest).rest, io, cwd });
    if (!entry.models) return await command.run({ argv: rest, io, cwd });
    // train takes --db itself (its run is recorded there); the others only resolve models in it
    const { db, rest: args } = takeDbOption(rest);
    const { withModelRepository } = await import('../models/store');
    return await withModelRepository(db, () => command.run({ argv: entry.name === 'train' ? rest : args, io, cwd }));
  } catch (err) {
    if (err instanceof UsageProblem) return usageError(io, entry.name, err.message, command.usage);
    // A database that cannot be used (store/database's DatabaseOpenError): the message names the file and says what to do; no stack.
    if ((err as Error)?.name === 'DatabaseOpenError') {
      io.err(`latticework ${entry.name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

/**
 * What a failed command said: its last "latticework NAME: …" message ("latticework structure info: …" for a
 * subcommand), without the prefix, whole when it goes on over lines (an invalid config's reasons); notes,
 * warnings and the usage text after a blank line left out.
 */
function failureMessage(name: string, said: readonly string[]): string {
  const prefix = new RegExp(`^latticework ${name}(?: [a-z-]+)?: `);
  const lines = said.map((t) => t.split('\n\n')[0]);
  const last = lines.findLast((l) => prefix.test(l)) ?? lines.at(-1) ?? 'failed';
  return last.replace(prefix, '');
}

export const stdio: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  write: async (text) => {
    if (!process.stdout.write(text)) await once(process.stdout, 'drain');
  },
};
