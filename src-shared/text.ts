/** Small text helpers shared by the command line and the renderer. */

/**
 * A whole number with thousands separators, "1,234,567" (as `toLocaleString('en-US')`, which is
 * kept for other numbers: its first call loads the locale data, ~80 ms of a command's start-up).
 */
export function groupThousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** A path as one word of a shell command (quoted when it has to be). */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/** "1 site", "2 sites", "1,234 structures": a count with its noun, singular for exactly one. */
export function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${groupThousands(n)} ${n === 1 ? noun : nouns}`;
}

/** "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "102nd": an ordinal number. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * One CSV field (RFC 4180): empty for null, undefined and a number that is not finite, an object as
 * its JSON; quoted (quotes doubled) when it holds a quote, a comma or a line break.
 *
 * Text that a spreadsheet would take for a formula, one beginning with =, +, -, @, a tab or a
 * carriage return, gets a single quote before it (OWASP's defence against CSV injection), so that
 * Excel and LibreOffice show it as text: names come from data files and runs (a CIF data block, an
 * extended XYZ id, a run's name), which docs/security.md counts as an attacker's. Only text gets
 * the quote: a number is written as a number (a negative energy stays -3.2), so callers pass
 * numbers as numbers, not as their text.
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const s = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line: its fields (csvField) between commas. */
export function csvRow(fields: readonly unknown[]): string {
  return fields.map(csvField).join(',');
}

/** Rows (the first the header) as CSV text, a line each. */
export function csvText(rows: readonly (readonly unknown[])[]): string {
  return rows.map(csvRow).join('\n') + '\n';
}
