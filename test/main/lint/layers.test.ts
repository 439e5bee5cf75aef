import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../..', import.meta.url).pathname });

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

  it('only src-main/electron imports electron; compute workers never do', async () => {
    expect(await violations('src-main/engine/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-main/host/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await violations('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(0);
    expect(await violations('src-main/engine/x.ts', "import { Worker } from 'node:worker_threads';\nexport const a = Worker;\n")).toHaveLength(0);
  });
});
