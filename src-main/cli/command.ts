/**
 * One subcommand of the `latticework` command line.
 *
 * Every command prints human-readable text by default and one JSON document
 * with `--json`; the JSON shapes are a product surface and stay stable.
 */
import { existsSync, statSync } from 'node:fs';
import { readNamedFile } from '../files/path-guard';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_READ_OPTIONS, type ReadLimits } from '../../src-shared/chem/options';
import type { LabelKeys } from '../../src-shared/chem/labels';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /**
   * Writes text to stdout as it is (no newline added), resolving when stdout can take more (its
   * backpressure): how `printPieces` prints a document too long for one string. An io that records
   * what it is given (the tests') has none, and gets the document in one `out`.
   */
  write?(text: string): Promise<void>;
}

/** How many characters `printPieces` gathers before it writes: a few megabytes of memory at most. */
export const PRINT_CHUNK_CHARS = 1 << 20;

/**
 * Prints a document given as pieces (followed by a newline, as `out`), chunk by chunk, waiting for
 * stdout to drain between chunks: memory holds a chunk, not the document, and the document may be
 * longer than a string can be (V8 stops at about 512 MB: the JSON of a graph of 15 million edges).
 */
export async function printPieces(io: CliIo, pieces: Iterable<string>): Promise<void> {
  if (!io.write) {
    io.out([...pieces].join(''));
    return;
  }
  let chunk = '';
  for (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= PRINT_CHUNK_CHARS) {
      await io.write(chunk);
      chunk = '';
    }
  }
  await io.write(`${chunk}\n`);
}

export interface CommandContext {
  /** Arguments after the command name (options not yet parsed). */
  argv: string[];
  io: CliIo;
  /** Working directory for resolving relative paths. */
  cwd: string;
}

/** What a command module exports (loaded only when the command runs: see cli/index.ts). */
export interface Command {
  /** Usage text for `latticework <name> --help`. */
  usage: string;
  /** Returns the process exit status. */
  run(ctx: CommandContext): Promise<number>;
}

/** A line of the command table: what `latticework --help` shows, and how to load the command. */
export interface CommandEntry {
  name: string;
  /** One line for `latticework --help`. */
  summary: string;
  /**
   * The command works with the models of the database (`--db PATH`, else $LATTICEWORK_DB, else the
   * data directory's): built-in, imported and trained ones resolve by name.
   */
  models?: boolean;
  /** The command uses no database: the global `--db PATH` is taken out of its arguments and ignored. */
  noDatabase?: boolean;
  /**
   * Ctrl-C and SIGTERM stop the command and it says what it kept (cli/signals.ts): heard from its start, before its
   * module loads (a signal while tfjs or a model loads stops it at its first step, not unheard).
   */
  stops?: boolean;
  /** Imports the command's module (a dynamic `import()`, so that start-up loads nothing else). */
  load(): Promise<Command>;
}

/** A structure file the command line writes: CIF, POSCAR, extended XYZ, XDATCAR, an ASE database or trajectory. */
export type OutputFormat = 'cif' | 'poscar' | 'xyz' | 'xdatcar' | 'db' | 'traj';

/**
 * The format of an output file by its name (as the readers know it): *.cif; a name with XDATCAR; *.vasp,
 * *.poscar or a name with POSCAR or CONTCAR; *.xyz, *.extxyz; *.db; *.traj. Null for any other name.
 */
export function outputFormat(name: string): OutputFormat | null {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).toLowerCase();
  if (base.endsWith('.cif')) return 'cif';
  if (base.endsWith('.xyz') || base.endsWith('.extxyz')) return 'xyz';
  if (base.endsWith('.db')) return 'db';
  if (base.endsWith('.traj')) return 'traj';
  if (base.includes('xdatcar')) return 'xdatcar';
  if (base.endsWith('.vasp') || base.endsWith('.poscar') || base.includes('poscar') || base.includes('contcar')) return 'poscar';
  return null;
}

/** Bad usage found past the parsing of the options (a value the structure read makes wrong): the command reports it with `usageError`. */
export class UsageProblem extends Error {}

/**
 * Why the file `--option NAME` names cannot be written, or null. A file the command line writes is
 * new (nothing is overwritten) and goes into a folder that exists: checked before any work, so that
 * a long run never ends unable to keep what it computed.
 */
export function outputFileProblem(cwd: string, option: string, name: string): string | null {
  const path = resolve(cwd, name);
  if (existsSync(path)) return `--${option} ${name} exists: give a new file (nothing is overwritten)`;
  const folder = dirname(path);
  if (!existsSync(folder)) return `--${option} ${name}: there is no folder ${folder}`;
  if (!statSync(folder).isDirectory()) return `--${option} ${name}: ${folder} is not a folder`;
  return null;
}

/** The formats that need a cell: a POSCAR's and an XDATCAR's coordinates are fractional. A CIF holds a molecule with `_atom_site_Cartn_*` and no cell (as ASE writes and reads it back). */
const CELL_FORMATS: Partial<Record<OutputFormat, string>> = { poscar: 'a POSCAR', xdatcar: 'an XDATCAR' };

/** Why a structure without a cell (a molecule) cannot go into `--option NAME`, or null: a POSCAR and an XDATCAR need a cell. */
export function cellFormatProblem(option: string, name: string, hasCell: boolean): string | null {
  const format = outputFormat(name);
  const needs = format && CELL_FORMATS[format];
  return needs && !hasCell ? `--${option} ${name}: ${needs} needs a cell, and the structure has none: write an extended XYZ (.extxyz) instead` : null;
}

/**
 * Bad usage: prints `latticework <command>: <message>`, followed by the usage text
 * when one is given, and returns exit status 2.
 */
export function usageError(io: CliIo, command: string, message: string, usage?: string): 2 {
  io.err(usage === undefined ? `latticework ${command}: ${message}` : `latticework ${command}: ${message}\n\n${usage}`);
  return 2;
}

/**
 * A JSON object file named on the command line (`--config FILE`, `--atom-init FILE`): its object, or an
 * error naming the file (as `shown`): one that cannot be read (readNamedFile: "no such file", "is a folder,
 * not a regular file") or, for a syntax error, its line and column; `what` names what the object is ("a config").
 */
export async function readJsonObjectFile(path: string, what: string, shown = path): Promise<Record<string, unknown>> {
  const text = (await readNamedFile(path, shown, 'json')).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    if (!at) throw new Error(`${shown}: not valid JSON: ${message}`);
    const before = text.slice(0, Number(at[1])).split('\n');
    throw new Error(`${shown}:${before.length}:${before[before.length - 1].length + 1}: not valid JSON: ${message.replace(/ (in JSON )?at position \d+.*$/, '')}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${shown}: ${what} is a JSON object ({...}), not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  return value as Record<string, unknown>;
}

/** `parseArgs` options that each take a value (`--name VALUE`), for a command's option table. */
export function valueOptions<const K extends string>(...names: K[]): { [P in K]: { type: 'string' } } {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as { [P in K]: { type: 'string' } };
}

/** `parseArgs` options that are flags (`--name`, true when given, else undefined). */
export function flagOptions<const K extends string>(...names: K[]): { [P in K]: { type: 'boolean' } } {
  return Object.fromEntries(names.map((n) => [n, { type: 'boolean' }])) as { [P in K]: { type: 'boolean' } };
}

/** The structure readers' limits as options: every command that reads structure files takes them (the readers' refusals name them). */
export const READ_LIMIT_OPTIONS = valueOptions('max-atoms', 'max-bytes');

/** The usage lines of READ_LIMIT_OPTIONS, their descriptions from `column` (the command's usage layout). */
export function readLimitsUsage(column: number): string {
  return [
    ['--max-atoms N', `refuse structures with more sites (default ${DEFAULT_READ_OPTIONS.maxAtoms})`],
    ['--max-bytes N', `refuse larger files, and compressed files that expand to more (default ${DEFAULT_READ_OPTIONS.maxBytes})`],
  ]
    .map(([name, text]) => `  ${name.padEnd(column - 2)}${text}`)
    .join('\n');
}

/** The readers' limits READ_LIMIT_OPTIONS gave (none: the defaults); throws a UsageProblem naming a value that is not a positive integer. */
export function readLimits(values: { 'max-atoms'?: string; 'max-bytes'?: string }): ReadLimits {
  const limits: ReadLimits = {};
  for (const [flag, key] of [
    ['max-atoms', 'maxAtoms'],
    ['max-bytes', 'maxBytes'],
  ] as const) {
    const raw = values[flag];
    if (raw === undefined) continue;
    const x = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(x) || x <= 0) throw new UsageProblem(`--${flag} must be a positive integer, not "${raw}"`);
    limits[key] = x;
  }
  return limits;
}

/** The label keys of labelled frames (structure frames, train with a potential): extended XYZ keys, as the import dialog's. */
export const LABEL_KEY_OPTIONS = valueOptions('energy-key', 'forces-key', 'stress-key');

/**
 * `text` as the description of a usage entry: wrapped at word boundaries to lines of at most `width`
 * characters, the lines after the first indented to `column` (the first goes after the option's name).
 */
export function usageDescription(text: string, column: number, width = 90): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && column + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(column)}`);
}

/** The usage lines of LABEL_KEY_OPTIONS, their descriptions from `column` (the command's usage layout). */
export function labelKeysUsage(column: number): string {
  return [
    ['--energy-key K', 'extended XYZ: the key holding the energy (default: energy, REF_energy,', 'DFT_energy, ... whichever comes first; see docs/structures.md)'],
    ['--forces-key K', 'extended XYZ: the per-atom column holding the forces'],
    ['--stress-key K', 'extended XYZ: the key holding the stress (a virial when its name says so)'],
  ]
    .map(([name, ...text]) => `  ${name.padEnd(column - 2)}${text.join(`\n${' '.repeat(column)}`)}`)
    .join('\n');
}

/** The label keys LABEL_KEY_OPTIONS gave (none: the key mapping's candidates, src-shared/chem/labels.ts); throws a UsageProblem for an empty one. */
export function labelKeys(values: { 'energy-key'?: string; 'forces-key'?: string; 'stress-key'?: string }): LabelKeys {
  const keys: LabelKeys = {};
  for (const [flag, key] of [
    ['energy-key', 'energyKey'],
    ['forces-key', 'forcesKey'],
    ['stress-key', 'stressKey'],
  ] as const) {
    const k = values[flag];
    if (k === undefined) continue;
    if (k.trim() === '') throw new UsageProblem(`--${flag} needs a key name`);
    keys[key] = k;
  }
  return keys;
}

/**
 * A command's arguments parsed with node's `parseArgs` (`config` without `args`). An
 * unknown option or a missing option value is reported with the usage text
 * ({@link usageError}) and gives null: the command then returns exit status 2.
 */
export function parseCommandArgs<T extends Omit<ParseArgsConfig, 'args'>>(
  ctx: CommandContext,
  command: string,
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T & { args: string[] }>> | null {
  try {
    return parseOptions({ ...config, args: negativeValuesJoined(ctx.argv, config.options ?? {}) });
  } catch (e) {
    usageError(ctx.io, command, (e as Error).message, usage);
    return null;
  }
}

/**
 * node's `parseArgs`, refusing an option that takes one value given twice (`--model a --model b`, `--cutoff 3
 * --cutoff 5`), where parseArgs keeps the last: a user who meant two models, or a script that appends options, got
 * one result and could not tell. Options declared `multiple` (`--param K=V`, `--allow-host`) repeat; a flag given
 * twice is the flag.
 */
export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const { tokens, ...parsed } = parseArgs({ ...config, tokens: true as const });
  const given = new Map<string, string>();
  // (there, as `tokens: true` asked: parseArgs's types cannot see it through a generic config)
  for (const token of tokens!) {
    if (token.kind !== 'option' || token.value === undefined || config.options?.[token.name]?.multiple) continue;
    const first = given.get(token.name);
    if (first !== undefined) throw new Error(`--${token.name} given twice ("${first}", then "${token.value}"): give it once`);
    given.set(token.name, token.value);
  }
  return parsed as ReturnType<typeof parseArgs<T>>;
}

/**
 * The arguments with a negative number after an option that takes a value joined to it (`--pressure -1`
 * as `--pressure=-1`): parseArgs refuses it as an ambiguous option, so that the command's own check
 * (a range, "0 to 3") never saw it. No option is named like a number, so nothing else changes.
 */
function negativeValuesJoined(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (o.short) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return [...out, ...args.slice(i)];
    if (takesValue.has(args[i]) && i + 1 < args.length && /^-(\d|\.\d)/.test(args[i + 1])) {
      // a short option takes its value joined (-m-1), a long one after "="
      out.push(args[i].startsWith('--') ? `${args[i]}=${args[i + 1]}` : `${args[i]}${args[i + 1]}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}
