/**
 * The one rule for the tables of a dataset: CGCNN's `id_prop.csv` and a CSV of file names and
 * targets are read alike (docs/datasets.md).
 *
 * - Comma-separated; a field may be quoted ("a, b", "" for a quote) but not span lines; cells are
 *   trimmed; blank lines are skipped. Each row keeps its 1-based line number.
 * - Column 1 names the structure; the columns after it are targets.
 * - The first row is a header when none of its cells after the first is a number.
 * - `target` picks the target columns: a header name or a column number (1-based over the whole
 *   row, so 2 is the first target), or several separated by commas. Default: column 2.
 * - A row whose chosen target cells are not all numbers is unlabelled (reported by line, skipped), as is
 *   one with a target beyond ±1e150 (src-shared/numbers.ts LABEL_MAGNITUDE_MAX).
 * - A row with the name of an earlier row is left out, the first kept, and said with both lines and
 *   both targets (`repeatedRow`).
 *
 * Names and header cells read from a table come back to the user (in reports and errors) only when
 * they look like an identifier or a file name; anything else is named by its line or column, so
 * that a path that names some other file never sends that file's contents back.
 */
import { UserError } from '../ipc/errors';
import { labelMagnitudeProblem, sameNumbers } from '../../src-shared/numbers';

export interface TableRow {
  line: number;
  cells: string[];
}

/** Comma-separated rows (quotes allowed within a line); blank lines skipped; each row keeps its line. */
export function parseCsv(text: string): TableRow[] {
  const rows: TableRow[] = [];
  for (const [k, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        out.push(cur.trim());
        cur = '';
      } else cur += c;
    }
    out.push(cur.trim());
    rows.push({ line: k + 1, cells: out });
  }
  return rows;
}

/** A cell as a finite number, else null. */
export function numberCell(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/**
 * How a name read from a table is shown: itself when it looks like an identifier or a file name,
 * else `fallback` (its line, or its column).
 */
export function safeLabel(name: string, fallback: string): string {
  return SAFE_NAME.test(name) ? name : fallback;
}

/** Text safe to repeat in a report: an identifier or a file name (never a secret file's contents). */
const SAFE_NAME = /^[\p{L}\p{N}_.+\-()[\]]{1,100}$/u;

/** How a table row is named in the import report: its name when that is safe to repeat, else its line. */
export function rowLabel(name: string, line: number): string {
  return safeLabel(name, `line ${line}`);
}

/** A table read by the rule above. */
export interface DatasetTable {
  /** Rows after the header. */
  body: TableRow[];
  /** 0-based cell indices of the chosen target columns. */
  columns: number[];
  /** Their names: the header cells (when safe to show), else `column N`; a single default column without header is `target`. */
  names: string[];
}

/**
 * Reads a dataset table: refuses one where no row has a name followed by a numeric cell (it is not a
 * dataset table: said without quoting it), finds the header, and picks the target columns.
 */
export function readTable(text: string, fileName: string, target: string | undefined): DatasetTable {
  const rows = parseCsv(text);
  if (!rows.some((r) => r.cells.length >= 2 && r.cells.slice(1).some((c) => numberCell(c) !== null))) {
    const first = rows[0];
    throw new UserError(
      first
        ? `${fileName} is not a dataset table: no line has a structure name followed by a numeric target (line ${first.line} has ${first.cells.length} column${first.cells.length === 1 ? '' : 's'})`
        : `${fileName} is empty`,
    );
  }
  const first = rows[0];
  const header = first.cells.length > 1 && first.cells.slice(1).every((c) => numberCell(c) === null) ? first.cells : null;
  const body = header ? rows.slice(1) : rows;
  const width = Math.max(...rows.map((r) => r.cells.length));
  // a header may state its unit: spaces, slashes and powers too ("band gap (eV)", "energy (eV/atom)", "V (Å³)")
  const columnName = (i: number) => (header && /^[\p{L}\p{N}_.+\-()[\]/ ·²³⁻¹]{1,100}$/u.test(header[i]?.trim() ?? '') ? header[i].trim() : header ? safeLabel(header[i] ?? '', `column ${i + 1}`) : `column ${i + 1}`);
  if (target === undefined || target.trim() === '') return { body, columns: [1], names: [header ? columnName(1) : 'target'] };
  const columns: number[] = [];
  for (const spec of target.split(',').map((s) => s.trim()).filter(Boolean)) {
    let col: number;
    if (/^\d+$/.test(spec)) {
      col = Number(spec) - 1;
      if (col < 1 || col >= width) throw new UserError(`${fileName} has no target column ${spec}: targets are columns 2 to ${width} (column 1 names the structure)`);
    } else {
      if (!header) throw new UserError(`${fileName} has no header row: give target columns by number (2 is the first after the structure name)`);
      col = header.indexOf(spec);
      if (col < 1) throw new UserError(`${fileName} has no column "${spec}" (columns: ${header.map((_, i) => columnName(i)).join(', ')})`);
    }
    if (!columns.includes(col)) columns.push(col);
  }
  if (columns.length === 0) throw new UserError(`no target column given for ${fileName}`);
  return { body, columns, names: columns.map(columnName) };
}

/** The rows of a table met so far, by the name in their column 1, with their targets (`repeatedRow`). */
export type RowsByName = Map<string, { row: TableRow; targets: number[] }>;

/**
 * Whether a row names the structure of an earlier row (the same name in column 1): then it is left
 * out and the first row kept, as a frame identical to an earlier one is (frames.ts), and the sentence
 * saying so is returned, with both lines and, when they are not the same numbers (`sameNumbers`),
 * both targets: a contradiction the user must see. Else null, and the row is remembered in `seen`.
 */
export function repeatedRow(seen: RowsByName, name: string, row: TableRow, targets: number[], columns: number[]): string | null {
  const first = seen.get(name);
  if (first === undefined) {
    seen.set(name, { row, targets });
    return null;
  }
  const who = rowLabel(name, row.line) === name ? `${name} at line ${row.line}` : `line ${row.line}`;
  const cells = (r: TableRow) => columns.map((c) => r.cells[c]).join(', ');
  const was = first.row.line;
  const how = sameNumbers(first.targets, targets) ? `(the same target, ${cells(first.row)})` : `with another target (${cells(row)}; line ${was}: ${cells(first.row)})`;
  return `${who} repeats line ${was} ${how}: left out, line ${was} kept`;
}

/** The chosen targets of a row, or why it has none (for the report). */
export function rowTargets(row: TableRow, columns: number[]): number[] | string {
  const values: number[] = [];
  for (const c of columns) {
    const v = numberCell(row.cells[c]);
    if (v === null) {
      if (row.cells.length <= c) return `no column ${c + 1}`;
      const cell = row.cells[c].trim();
      const what = `the target in column ${c + 1}`;
      // the cell is said when it is safe to repeat (as a row's name is)
      return cell === '' ? `${what} is empty` : SAFE_NAME.test(cell) ? `${what} is '${cell}', not a number` : `${what} is not a number`;
    }
    const huge = labelMagnitudeProblem(v);
    if (huge) return `the target in column ${c + 1} is ${v}, ${huge}`;
    values.push(v);
  }
  return values;
}
