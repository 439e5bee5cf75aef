import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'lw-gradients-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Under plain Node with tsx (the command line in development) tfjs-core's gradient module does not
// import, and the gradients come from a temporary esbuild bundle: it registers them and leaves no file.
it('registers the gradients in plain Node through the temporary bundle, and removes the bundle', () => {
  const gradients = join(import.meta.dirname, '../../../../src-main/engine/tf/gradients.ts');
  // The child records the folders made through node:fs, so the test knows the bundle was written.
  const script = [
    `import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';`,
    `const made = []; const mkdtemp = fs.mkdtempSync; fs.mkdtempSync = (...a) => { const d = mkdtemp(...a); made.push(d); return d; }; syncBuiltinESMExports();`,
    `const { ensureGradients } = await import(${JSON.stringify(gradients)});`,
    `console.log(JSON.stringify({ reason: await ensureGradients(), made }));`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: scratch },
    timeout: 60_000,
  });
  expect(child.stderr).toBe('');
  const { reason, made } = JSON.parse(child.stdout) as { reason: string | null; made: string[] };
  expect(reason).toBeNull();
  expect(made).toHaveLength(1);
  expect(made[0].startsWith(join(scratch, 'lw-tfgrad-'))).toBe(true);
  expect(readdirSync(scratch).filter((name) => name.startsWith('lw-tfgrad-'))).toEqual([]); // (tsx keeps its own cache there)
});
