/**
 * One subcommand of the `latticework` command line.
 *
 * Every command prints human-readable text by default and one JSON document
 * with `--json`; the JSON shapes are a product surface and stay stable.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CommandContext {
  /** Arguments after the command name (options not yet parsed). */
  argv: string[];
  io: CliIo;
  /** Working directory for resolving relative paths. */
  cwd: string;
}

export interface Command {
  name: string;
  /** One line for `latticework --help`. */
  summary: string;
  /** Usage text for `latticework <name> --help`. */
  usage: string;
  /** Returns the process exit status. */
  run(ctx: CommandContext): Promise<number>;
}
