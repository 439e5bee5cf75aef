/**
 * Typed, plain-data errors of the structure readers and writers. They cross IPC as
 * `{ name, message, file, line, column }` (see `toJSON`), so nothing else may be relied on.
 */

export interface StructureErrorData {
  name: string;
  /** Full sentence, starting with `line N: ` when a line is known. */
  message: string;
  file: string;
  /** 1-based line, null when the problem is not tied to a line (e.g. file too large). */
  line: number | null;
  column: number | null;
}

export type StructureErrorName = 'StructureParseError' | 'StructureLimitError' | 'StructureWriteError' | 'StructureInternalError';

export class StructureParseError extends Error {
  override name: StructureErrorName = 'StructureParseError';
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  /** The sentence without the `line N: ` prefix. */
  readonly reason: string;

  constructor(file: string, line: number | null, reason: string, column: number | null = null) {
    super(line != null ? `line ${line}: ${reason}` : reason);
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }

  toJSON(): StructureErrorData {
    return { name: this.name, message: this.message, file: this.file, line: this.line, column: this.column };
  }
}

/** A file or structure over a configured limit (`maxBytes`, `maxAtoms`, `maxStructures`). */
export class StructureLimitError extends StructureParseError {
  override name: StructureErrorName = 'StructureLimitError';
}

/** A structure that cannot be written in the requested format (e.g. a molecule as POSCAR). */
export class StructureWriteError extends StructureParseError {
  override name: StructureErrorName = 'StructureWriteError';
}

/** A bug of ours caught at the reader's edge: still reported as data, never as a deep exception. */
export class StructureInternalError extends StructureParseError {
  override name: StructureErrorName = 'StructureInternalError';
}

/** Any thrown value as plain data (unexpected errors keep their name and message, line null). */
export function structureErrorData(e: unknown, file: string): StructureErrorData {
  if (e instanceof StructureParseError) return e.toJSON();
  if (e instanceof Error) return { name: e.name, message: e.message, file, line: null, column: null };
  return { name: 'Error', message: String(e), file, line: null, column: null };
}
