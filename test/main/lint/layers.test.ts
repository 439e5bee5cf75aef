import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = new URL('../../..', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => m.message);
}

describe('the layer rule is enforced by ESLint', () => {
  it('src-shared imports no Node, no electron and uses no DOM or Node globals', async () => {
    expect(await violations('src-shared/chem/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
    expect(await violations('src-shared/chem/x.ts', "import path from 'path';\nexport const a = path;\n")).toHaveLength(1);
    expect(await violations('src-shared/chem/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-shared/chem/x.ts', 'export const a = document.title;\n')).toHaveLength(1);
    expect(await violations('src-shared/chem/x.ts', 'export const a = process.env;\n')).toHaveLength(1);
    expect(await violations('src-shared/chem/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toHaveLength(0);
  });

  it('src-renderer imports no Node or electron, and components do not call the API', async () => {
    expect(await violations('src-renderer/composables/useX.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await violations('src-renderer/composables/useX.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
    expect(await violations('src-renderer/components/structure/X.ts', "import { api } from '../../api/client';\nexport const a = api;\n")).toHaveLength(1);
    expect(await violations('src-renderer/composables/useX.ts', "import { api } from '../api/client';\nexport const a = api;\n")).toHaveLength(0);
  });

  it('src-shared and src-renderer never import src-main (nor src-shared the renderer)', async () => {
    expect(await violations('src-shared/model/x.ts', "import { buildModel } from '../../src-main/engine/layers/model';\nexport const a = buildModel;\n")).toHaveLength(1);
    expect(await violations('src-shared/model/x.ts', "export { VERSION } from '../../src-main/app/version';\n")).toHaveLength(1);
    expect(await violations('src-shared/model/x.ts', "import { fmtInt } from '../../src-renderer/lib/format';\nexport const a = fmtInt;\n")).toHaveLength(1);
    expect(await violations('src-shared/model/x.ts', "import { z } from 'zod';\nimport { gaussianCount } from './config';\nexport const a = [z, gaussianCount];\n")).toHaveLength(0);
    expect(await violations('src-renderer/lib/x.ts', "import { parameterCount } from '../../src-main/engine/architectures/registry';\nexport const a = parameterCount;\n")).toHaveLength(1);
    expect(await violations('src-renderer/views/X.ts', "import { VERSION } from '../../src-main/app/version';\nexport const a = VERSION;\n")).toHaveLength(1);
    expect(await violations('src-renderer/lib/x.ts', "import type { SchemaNode } from '../../src-shared/model/form';\nexport type A = SchemaNode;\n")).toHaveLength(0);
  });

  it('the engine is a walled room: src-shared, tfjs, zod, node:* and its own files only', async () => {
    // the holes this rule closed: compute importing app/core, models/store.ts importing app/paths
    expect(await violations('src-main/engine/train/x.ts', "import type { CoreParts } from '../../app/core';\nexport type A = CoreParts;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/models/store.ts', "import { platformDataDirectory } from '../../app/paths';\nexport const a = platformDataDirectory;\n")).toHaveLength(1);
    // other parts of main, at every depth; the renderer; other packages
    expect(await violations('src-main/engine/x.ts', "import { Database } from '../store/database';\nexport const a = Database;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/architectures/x.ts', "import { ComputePool } from '../../workers/pool';\nexport const a = ComputePool;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/potential/sub/x.ts', "import { UserError } from '../../../ipc/dispatch';\nexport const a = UserError;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/nn/x.ts', "import { fmtInt } from '../../../src-renderer/lib/format';\nexport const a = fmtInt;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/nn/x.ts', "import sqlite3 from 'sqlite3';\nexport const a = sqlite3;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/nn/x.ts', "import { WebSocket } from 'ws';\nexport const a = WebSocket;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    // what it may import
    const allowed = [
      ['src-main/engine/x.ts', "import { Rng } from '../../src-shared/model/rng';\nimport { gatherRows } from './nn/segment';\nexport const a = [Rng, gatherRows];\n"],
      ['src-main/engine/architectures/x.ts', "import * as tf from '@tensorflow/tfjs-core';\nimport { z } from 'zod';\nimport { Dense } from '../nn/dense';\nimport { posInt } from '../../../src-shared/model/config';\nexport const a = [tf, z, Dense, posInt];\n"],
      ['src-main/engine/potential/sub/x.ts', "import { Worker } from 'node:worker_threads';\nimport { Dense } from '../../nn/dense';\nimport { Rng } from '../../../../src-shared/model/rng';\nexport const a = [Worker, Dense, Rng];\n"],
    ];
    for (const [file, code] of allowed) expect(await violations(file, code)).toEqual([]);
  });

  it('every file of the engine is inside the wall', async () => {
    const files = (readdirSync(join(root, 'src-main/engine'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.startsWith('simd/assembly/'))
      .map((f) => relative(root, join(root, 'src-main/engine', f)));
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      const config = (await eslint.calculateConfigForFile(f)) as { rules: Record<string, [unknown, { patterns?: { message: string }[] }]> };
      const patterns = config.rules['no-restricted-imports']?.[1]?.patterns ?? [];
      expect(patterns.some((p) => p.message.startsWith('the engine (src-main/engine) imports only')), f).toBe(true);
    }
  });

  it('compute workers call the engine and never reach the app, services, store, host or CLI', async () => {
    expect(await violations('src-main/workers/x.ts', "import type { CoreParts } from '../app/core';\nexport type A = CoreParts;\n")).toHaveLength(1);
    expect(await violations('src-main/workers/x.ts', "import { Database } from '../store/database';\nexport const a = Database;\n")).toHaveLength(1);
    expect(await violations('src-main/workers/parallel/x.ts', "import { trainingHandlers } from '../../services/training';\nexport const a = trainingHandlers;\n")).toHaveLength(1);
    expect(await violations('src-main/workers/x.ts', "import { trainModel } from '../engine/train/trainer';\nimport { Rng } from '../../src-shared/model/rng';\nexport const a = [trainModel, Rng];\n")).toHaveLength(0);
  });

  it('only src-main/electron imports electron; compute workers never do', async () => {
    expect(await violations('src-main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-main/host/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(0);
    expect(await violations('src-main/workers/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-main/engine/x.ts', "import { Worker } from 'node:worker_threads';\nexport const a = Worker;\n")).toHaveLength(0);
  });
});
