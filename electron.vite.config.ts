import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
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

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        ...quiet,
        // Optional native backends: loaded at run time when installed, never bundled.
        external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
        // Shared chunks sit beside the entries, so `new URL('./compute-worker.js', import.meta.url)` works from any of them.
        output: { chunkFileNames: '[name]-[hash].js' },
        input: {
          index: resolve(__dirname, 'src-main/electron/main.ts'),
          cli: resolve(__dirname, 'src-main/cli/index.ts'),
          'compute-worker': resolve(__dirname, 'src-main/workers/worker.ts'),
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
