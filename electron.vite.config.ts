import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import vue from '@vitejs/plugin-vue';

/**
 * One build for every way Latticework runs:
 * - main: the Electron main process (index), the command line and browser-mode host (cli),
 *   and the compute worker thread (compute-worker), all plain Node bundles;
 * - preload: the sandboxed bridge (CommonJS, as sandboxed preloads must be);
 * - renderer: the Vue app, served by Electron or by the browser-mode host.
 */
// Rolldown's plugin-timing report is noise for users building on demand (bin/latticework.mjs).
const quiet = { checks: { pluginTimings: false } };

/**
 * tfjs-core, tfjs-backend-cpu and tfjs-backend-wasm are CommonJS. Node's `import` of a CommonJS file runs its
 * export-name lexer and format detection over the whole file (about 0.3 s of CPU for tfjs-core
 * in every thread that loads it: the CLI, each compute worker); `require` only compiles it. So
 * the main bundle loads them with `require` through a small module whose named exports are the
 * package's own, listed here at build time (the same installed version the bundle runs with).
 */
function commonJsByRequire(packages: readonly string[]): Plugin {
  const prefix = '\0require:';
  const load = createRequire(import.meta.url);
  return {
    name: 'latticework:commonjs-by-require',
    enforce: 'pre',
    resolveId(id: string) {
      return packages.includes(id) ? prefix + id : null;
    },
    load(id: string) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      const names = Object.keys(load(name) as object).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      return [
        `import { createRequire } from 'node:module';`,
        `const m = createRequire(import.meta.url)(${JSON.stringify(name)});`,
        `export default m;`,
        `export const { ${names.join(', ')} } = m;`,
      ].join('\n');
    },
  };
}

const BY_REQUIRE = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm'];

export default defineConfig({
  main: {
    plugins: [commonJsByRequire(BY_REQUIRE)],
    build: {
      externalizeDeps: { exclude: [...BY_REQUIRE] },
      outDir: 'out/main',
      rollupOptions: {
        ...quiet,
        // Optional native backends: loaded at run time when installed, never bundled.
        // (and the subpaths of the packages loaded by require, e.g. tfjs-core's gradients)
        external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', ...BY_REQUIRE.map((p) => new RegExp(`^${p}/.+`))],
        // Shared chunks sit beside the entries, so `new URL('./compute-worker.js', import.meta.url)` works from any of them.
        output: { chunkFileNames: '[name]-[hash].js' },
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
          'compute-worker': resolve(__dirname, 'src-main/workers/worker.ts'),
          'symmetry-worker': resolve(__dirname, 'src-main/chem/moyo-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        ...quiet,
        input: { preload: resolve(__dirname, 'src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src-renderer'),
    plugins: [vue()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { ...quiet, input: resolve(__dirname, 'src-renderer/index.html') },
    },
  },
});
