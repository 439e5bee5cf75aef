/**
 * Paths through the contract: no file's contents come back in an error or a report, a FIFO or a
 * device never freezes the core, and an import killed mid-way is shown as interrupted at the next
 * start, with its partial structures attributed to it (resume or discard), never in the library.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../../src-main/app/core';
import { Database } from '../../../src-main/store/database';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';

const EMT_FOLDER = `${SHARED_DATA}/emt-dev/cgcnn`;

const served = serveTestCore();

/** A private key shaped file: none of its lines may come back. */
const SECRET = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBd9pr0uL3YmPmsRDdOrcUlWPq3Lqs1JAbm2Rp8ktEwSwAAAJgQx0BIEMdA',
  'root:x:0:0:root:/root:/bin/bash',
  'daemon,x,1,1,daemon,/usr/sbin',
  '-----END OPENSSH PRIVATE KEY-----',
];

function expectNoLineOf(value: unknown, lines: string[]): void {
  const text = JSON.stringify(value);
  for (const line of lines) {
    for (const part of line.split(/[,:]/).filter((p) => p.length >= 6)) expect(text).not.toContain(part);
  }
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string; details?: unknown }> {
  return p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: { name: string; message: string; details?: unknown }) => ({ name: e.name, message: e.message, details: e.details }),
  );
}

describe('paths through the contract', () => {
  it('never echoes a file read as a dataset table, in the error or its details', async () => {
    const secret = join(served.t.dir, 'id_ed25519');
    writeFileSync(secret, SECRET.join('\n') + '\n');
    for (const kind of ['csv', 'cgcnn-folder'] as const) {
      const path = kind === 'csv' ? secret : served.t.dir;
      if (kind === 'cgcnn-folder') writeFileSync(join(served.t.dir, 'id_prop.csv'), SECRET.join('\n'));
      const err = await errorOf(served.api.datasets.import({ kind, path }));
      expect(err.message).toMatch(/not a dataset table|no labelled structure could be read/);
      expectNoLineOf(err, SECRET);
    }
    // /etc/passwd read as a CSV: refused, nothing of it returned
    const passwd = await errorOf(served.api.datasets.import({ kind: 'csv', path: '/etc/passwd' }));
    expect(passwd.message).toMatch(/not a dataset table/);
    expect(JSON.stringify(passwd)).not.toMatch(/root:|\/bin\/|nologin/);
    // a two-column table whose names are not identifiers: named by line, not quoted
    const table = join(served.t.dir, 'rows.csv');
    writeFileSync(table, 'name,target\nsecret value with spaces,1.5\nroot:x:0:0,2\nsecret value with spaces,1.7\n');
    const rows = await errorOf(served.api.datasets.import({ kind: 'csv', path: table }));
    expect((rows.details as { unlabelled: string[] }).unlabelled).toEqual(['line 2 (no file)', 'line 3 (no file)', 'line 4 repeats line 2 with another target (1.7; line 2: 1.5): left out, line 2 kept']);
    expect(JSON.stringify(rows)).not.toMatch(/secret value|root:x/);
  });

  it('refuses a file that is no model, naming it and what it should be, without its contents', async () => {
    const secret = join(served.t.dir, 'id_rsa');
    writeFileSync(secret, SECRET.join('\n') + '\n');
    for (const path of [secret, '/etc/passwd']) {
      const err = await errorOf(served.api.models.import({ path }));
      // named for what it is, in the user's words, not the pickle reader's ("stack underflow", a generic Error until session 45)
      expect(err).toMatchObject({
        name: 'NotAModelFileError',
        message: `${path.split('/').pop()} is not a model file: it is neither a Latticework model (.lwm) nor a CGCNN checkpoint (.pth.tar written by CGCNN's main.py). Choose model_best.pth.tar from a CGCNN run, one of CGCNN's pre-trained models, or a .lwm file exported from Latticework.`,
      });
      expectNoLineOf(err, SECRET);
      expect(JSON.stringify(err)).not.toMatch(/root:|\/bin\/|nologin/);
    }
  });

  it('refuses a .lwm whose header the weights do not bear out, naming the file, and the core still answers', async () => {
    // band-gap.lwm claiming 3 ensemble members: its weights belong to one
    const bytes = new Uint8Array(readFileSync(join(process.cwd(), 'resources', 'models', 'band-gap.lwm')));
    const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
    const json = Buffer.from(new TextDecoder().decode(bytes.subarray(12, 12 + h)).replace('"members":1,', '"members":3,'));
    expect(json.length).toBe(h);
    const path = join(served.t.dir, 'three.lwm');
    writeFileSync(path, Buffer.concat([bytes.subarray(0, 12), json, bytes.subarray(12 + h)]));
    const err = await errorOf(served.api.models.import({ path }));
    expect(err.message).toContain('three.lwm: model file: "members" is 3, but the weights belong to 1 member');
    expect((await served.api.system.ping({ message: 'alive' })).message).toBe('alive');
  });

  it('refuses FIFOs and devices named as datasets or models at once, with the reason', async () => {
    const pipe = join(served.t.dir, 'model.pth.tar');
    execFileSync('mkfifo', [pipe]);
    const model = await errorOf(served.api.models.import({ path: pipe }));
    expect(model).toMatchObject({ name: 'FileAccessError', message: expect.stringMatching(/FIFO/) });
    const zero = await errorOf(served.api.models.import({ path: '/dev/zero' }));
    expect(zero.name).toBe('FileAccessError');
    const csvPipe = join(served.t.dir, 'table.csv');
    execFileSync('mkfifo', [csvPipe]);
    expect((await errorOf(served.api.datasets.import({ kind: 'csv', path: csvPipe }))).message).toMatch(/FIFO/);
    expect((await errorOf(served.api.datasets.import({ kind: 'extxyz', path: '/proc/self/environ' }))).message).toMatch(/\/proc/);
    // the core still answers
    expect((await served.api.system.ping({ message: 'alive' })).message).toBe('alive');
  });

  it('shows an import killed mid-way as interrupted, keeps its structures out of the library, and resumes or discards it', async () => {
    const dir = join(served.t.dir, 'killed');
    mkdirSync(dir, { recursive: true });
    const dbPath = join(dir, 'kill.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./import-child.ts', import.meta.url)), dbPath, dir, EMT_FOLDER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
    });
    const db = await Database.open(dbPath);
    let partial = 0;
    try {
      for (let i = 0; i < 1200 && partial === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        partial = (await db.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM structure WHERE import_dataset_id IS NOT NULL')))!.n;
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      await db.close();
    }
    expect(partial).toBeGreaterThan(0);

    const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: dir, workers: 1, builtinModels: false });
    const call = async <T>(service: string, method: string, arg: unknown): Promise<T> => {
      const r = await core.dispatcher.dispatch(service, method, arg, { clientId: 'test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
      return r.value as T;
    };
    try {
      const [ds] = await call<{ id: number; status: string; partialStructures: number; resumable: boolean; size: number }[]>('datasets', 'list', {});
      expect(ds).toMatchObject({ status: 'interrupted', resumable: true, size: 0 });
      expect(ds.partialStructures).toBeGreaterThanOrEqual(partial);
      expect(ds.partialStructures).toBeLessThan(2000);
      // not mixed into the library, not trainable
      expect(await call<unknown[]>('structures', 'list', {})).toEqual([]);
      await expect(call('datasets', 'graphStats', { id: ds.id, cutoff: 8, maxNeighbors: 12 })).rejects.toThrow(/not completely imported/);
      await expect(call('datasets', 'delete', { id: ds.id })).rejects.toThrow(/resume or discard/);

      const resumed = await call<{ status: string; size: number; partialStructures: number }>('datasets', 'resumeImport', { id: ds.id });
      expect(resumed).toMatchObject({ status: 'ready', size: 2000, partialStructures: 0 });
      expect((await call<unknown[]>('structures', 'list', {})).length).toBe(2000);
      await expect(call('datasets', 'discardImport', { id: ds.id })).rejects.toThrow(/finished/);
    } finally {
      await core.dispose();
    }
  });

  it('discards an interrupted import with the structures only it had stored', async () => {
    const dbPath = join(served.t.dir, 'discard.sqlite');
    const db = await Database.open(dbPath);
    // the state a killed import leaves: its row 'importing', two structures attributed to it, one shared
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO dataset (id, name, kind, source, target_key, size, report, created_at, status, import_options) VALUES (7, 'half', 'csv', '/x.csv', '', 0, '{}', 1, 'importing', '{}')");
      await tx.run("INSERT INTO dataset (id, name, kind, source, target_key, size, report, created_at) VALUES (8, 'other', 'csv', '/y.csv', 't', 1, '{}', 1)");
      for (const [id, owner] of [[1, 7], [2, 7], [3, 7]] as const) {
        await tx.run("INSERT INTO structure (id, hash, name, source_file, formula, n_sites, format, data, summary, created_at, import_dataset_id) VALUES (?, ?, 's', 'f', 'X', 1, 'cif', '{}', '{}', 1, ?)", [id, `h${id}`, owner]);
      }
      await tx.run("INSERT INTO dataset_item (dataset_id, idx, structure_id, name, target) VALUES (8, 0, 3, 'kept', 1)");
    });
    await db.close();
    const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: served.t.dir, workers: 1, builtinModels: false });
    try {
      const list = await core.dispatcher.dispatch('datasets', 'list', {}, { clientId: 't' });
      expect(list.ok && (list.value as { id: number; status: string; resumable: boolean }[])[0]).toMatchObject({ id: 7, status: 'interrupted', resumable: false });
      const r = await core.dispatcher.dispatch('datasets', 'discardImport', { id: 7 }, { clientId: 't' });
      expect(r).toEqual({ ok: true, value: { discarded: true, structuresRemoved: 2 } });
      const left = await core.db.read((tx) => tx.all<{ id: number }>('SELECT id FROM structure ORDER BY id'));
      expect(left).toEqual([{ id: 3 }]);
    } finally {
      await core.dispose();
    }
  });
});
