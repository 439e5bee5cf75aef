/**
 * `latticework`: the command line. Every command prints human-readable text,
 * and one JSON document with `--json`.
 */
import type { Command, CliIo } from './command';
import { doctorCommand } from './commands/doctor';
import { graphCommand } from './commands/graph';
import { importModelCommand } from './commands/import-model';
import { predictCommand } from './commands/predict';
import { serveCommand } from './commands/serve';
import { startCommand } from './commands/start';
import { structureCommand } from './commands/structure';
import { makeTrainCommand } from './commands/train';
import { VERSION } from '../app/version';
import { setModelRepository } from '../models/store';
import { SqliteModelRepository, cliDatabasePath, sqliteTrainHooks } from '../services/cli-store';

export const commands: Command[] = [
  startCommand,
  serveCommand,
  structureCommand,
  graphCommand,
  importModelCommand,
  predictCommand,
  // runs are recorded in the database (--db, else $LATTICEWORK_DB, else the data directory's)
  makeTrainCommand(sqliteTrainHooks),
  doctorCommand,
];

/** Commands whose models live in the app database (built-in, imported, trained). */
const MODEL_COMMANDS = new Set(['predict', 'import-model', 'train']);

/** Takes `--db PATH` (or `--db=PATH`) out of a model command's arguments. */
function takeDbOption(argv: string[]): { db: string | undefined; rest: string[] } {
  const i = argv.findIndex((a) => a === '--db' || a.startsWith('--db='));
  if (i < 0) return { db: undefined, rest: argv };
  const inline = argv[i].startsWith('--db=');
  const db = inline ? argv[i].slice(5) : argv[i + 1];
  return { db, rest: [...argv.slice(0, i), ...argv.slice(i + (inline ? 1 : 2))] };
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
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(VERSION);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`latticework: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  if (!MODEL_COMMANDS.has(command.name)) return command.run({ argv: rest, io, cwd });
  const { db, rest: args } = takeDbOption(rest);
  const repository = new SqliteModelRepository(cliDatabasePath(db));
  setModelRepository(repository);
  try {
    return await command.run({ argv: command.name === 'train' ? rest : args, io, cwd });
  } finally {
    setModelRepository(null);
    await repository.close();
  }
}

export const stdio: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};
