/**
 * The per-file records of the `structure` subcommands: each file read gives its result or an error
 * record naming the problem (and the line, where there is one); printed as one JSON array, or each
 * described with the failures on stderr.
 */
import { structureErrorData } from '../../../src-shared/chem';
import type { CommandContext } from '../command';

/** A file that failed, or a CIF data block that did (`block`) in a file whose other blocks were read. */
export type ErrorRecord = { file: string; block?: string; error: { name: string; message: string; line: number | null } };

export function errorRecord(e: unknown, file: string, block?: string): ErrorRecord {
  const d = structureErrorData(e, file);
  return { file, ...(block === undefined ? {} : { block }), error: { name: d.name, message: d.message, line: d.line } };
}

/** Prints per-file records (one JSON array, or each described with failures on stderr); status 1 when a file failed. */
export function printRecords<R extends { file: string }>(io: CommandContext['io'], records: readonly (R | ErrorRecord)[], json: boolean, describeOne: (r: R) => string): number {
  if (json) io.out(JSON.stringify(records));
  else {
    for (const r of records) {
      if ('error' in r) io.err(`${r.file}: error: ${r.error.message}`);
      else io.out(describeOne(r));
    }
  }
  return records.some((r) => 'error' in r) ? 1 : 0;
}
