/** Small formatting helpers for the workbench views (numbers, bytes, durations, dates). */
import { shownUnit } from '../../src-shared/model/units';

/** A number with a sensible number of significant digits; '—' for null/NaN. */
export function fmtNum(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(Math.max(0, digits - 1));
  return Number(x.toPrecision(digits)).toString();
}

/** x to `decimals` places, as the command line prints a result ("1442.3"); '—' for none. fmtNum counts significant figures instead. */
export function fmtFixed(x: number | null | undefined, decimals: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(decimals);
}

/**
 * A frame of a trajectory (an MD run's, a multi-frame file's) by its index from 0, as the command line
 * (`--frames`, `--frame`, JSON `"first"`/`"last"`) and every message number frames, so the number shown
 * can be given back to an option: "frame 100", and with the frames there are, "frame 100 of 0–100".
 */
export function frameLabel(index: number, frames?: number): string {
  return frames === undefined ? `frame ${index}` : `frame ${index} of 0–${frames - 1}`;
}

/** 12345 → "12,345". */
export function fmtInt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return Math.round(x).toLocaleString('en-US');
}

/** Bytes in B, kB, MB, GB (decimal units). */
export function fmtBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? Math.round(v) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** Seconds as "0.02 s", "4.2 s", "42 s", "3 min 05 s", "2 h 07 min". */
export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  // under 0.1 s to one significant digit: an epoch of a small dataset estimated at 0.02 s is not "0.0 s"
  if (seconds < 0.1) return `${Number(seconds.toPrecision(1))} s`;
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds - 60 * m)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m - 60 * h).padStart(2, '0')} min`;
}

/** Epoch milliseconds as a local "YYYY-MM-DD HH:MM". */
export function fmtDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/**
 * The message of anything thrown, as the user reads it: errors cross the boundary as data
 * `{ name, message }`, and the message says what went wrong (the file, the line, the problem); the
 * name is a class of ours (UserError, StructureParseError) and means nothing to the user. An error
 * without a message still says something: its name when it has one of its own, else that it came
 * without one.
 */
export function errorMessage(e: unknown): string {
  const { name, message } = e !== null && typeof e === 'object' ? (e as { name?: unknown; message?: unknown }) : { name: undefined, message: e };
  const text = message === undefined || message === null ? '' : String(message).trim();
  if (text) return text;
  return typeof name === 'string' && name !== '' && name !== 'Error' ? `${name} (without a message)` : 'an error without a message';
}

/** A file's failure as a sentence naming its line once: the readers' messages mostly start "line N: " themselves. */
export function fileErrorText(e: { message: string; line: number | null }): string {
  const text = errorMessage(e);
  return e.line != null && !/^line \d/.test(text) ? `line ${e.line}: ${text}` : text;
}

/** A unique id for a job the renderer names (jobs.onProgress / jobs.cancel). */
export function newJobId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A model's line under its name: target, unit as shown (`shownUnit`) and architecture, the empty ones left out. */
export function modelSummary(m: { name: string; target: string; units: string; architecture: string }): string {
  return [m.target, m.units ? shownUnit(0, m.units, m.name).unit : '', m.architecture].filter((s) => s.trim() !== '').join(' · ');
}

/** A prediction's unit as shown (`shownUnit`), with the converted value written out (`100 GPa`). */
export function predictionUnit(value: number, units: string, model: string): { unit: string; converted: string | null } {
  const { unit, converted } = shownUnit(value, units, model);
  return { unit, converted: converted ? `${fmtNum(converted.value, 4)} ${converted.unit}` : null };
}
