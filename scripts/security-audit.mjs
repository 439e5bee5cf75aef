// `npm test`'s Electron security audit: runs @doyensec/electronegativity over the app's sources
// (the Electron main process and preload, the renderer, the shared code, package.json) and fails
// on any finding that docs/security.md does not list as accepted with its reason, and on any
// accepted finding that no longer occurs (so the list stays true). Prints one line per finding.
//
// The check that downloads Electron's release list (AvailableSecurityFixesGlobalCheck) is
// skipped: CI has no network; the Electron version is kept current through package.json instead.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'node_modules', '.bin', 'electronegativity');
const SKIPPED = ['AvailableSecurityFixesGlobalCheck'];

/** Accepted findings: the rows of docs/security.md's table whose first cell is a check id, as "CHECK file". */
function acceptedFindings() {
  const doc = readFileSync(join(root, 'docs', 'security.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Electronegativity'));
  if (!section) throw new Error('docs/security.md has no "Electronegativity" section');
  const rows = new Map();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/^`|`$/g, ''));
    if (cells.length >= 5 && /^[A-Z_]+$/.test(cells[1])) rows.set(`${cells[1]} ${cells[2]}`, cells[3]);
  }
  return rows;
}

/** The findings of electronegativity's SARIF report: check, level, file, line, description. */
function findingsOf(sarif) {
  return sarif.runs.flatMap((run) =>
    run.results.map((r) => {
      const loc = r.locations?.[0]?.physicalLocation;
      return { check: r.ruleId, level: r.level, file: loc?.artifactLocation?.uri ?? 'N/A', line: loc?.region?.startLine ?? 0, description: r.message?.text ?? '' };
    }),
  );
}

/** Runs electronegativity on a copy of the sources in `stage`; returns the exit code. */
function audit(stage) {
  for (const part of ['package.json', 'src-main', 'src-shared', 'src-renderer']) cpSync(join(root, part), join(stage, part), { recursive: true });
  const out = join(stage, 'findings.sarif');
  const r = spawnSync(bin, ['-i', stage, '-o', out, '-r', '-v', 'false', '-x', SKIPPED.join(',')], { encoding: 'utf8', timeout: 300_000 });
  let sarif;
  try {
    sarif = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    process.stderr.write(`electronegativity did not run (exit ${r.status}):\n${r.stdout}\n${r.stderr}\n`);
    return 1;
  }
  const findings = findingsOf(sarif);
  const accepted = acceptedFindings();
  const seen = new Set();
  let failed = 0;
  for (const f of findings) {
    const key = `${f.check} ${f.file}`;
    seen.add(key);
    const reason = accepted.get(key);
    process.stdout.write(`${reason ? 'accepted' : 'FINDING '}  ${f.check} (${f.level}) ${f.file}:${f.line}${reason ? '' : ` — ${f.description}`}\n`);
    if (!reason) failed++;
  }
  for (const key of accepted.keys()) {
    if (!seen.has(key)) {
      process.stdout.write(`STALE     ${key}: listed as accepted in docs/security.md but no longer reported; remove it\n`);
      failed++;
    }
  }
  process.stdout.write(
    failed
      ? `electronegativity: ${failed} finding(s) neither fixed nor accepted in docs/security.md\n`
      : `electronegativity: ${findings.length} finding(s), all accepted in docs/security.md with their reasons\n`,
  );
  return failed ? 1 : 0;
}

// (process.exit inside the try would skip the finally and leave the copy behind)
const stage = mkdtempSync(join(tmpdir(), 'latticework-audit-'));
let code = 1;
try {
  code = audit(stage);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
process.exit(code);
