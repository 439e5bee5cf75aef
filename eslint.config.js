// ESLint: code quality plus the layer rule (see docs/architecture.md), tested in test/main/lint/:
// - src-shared: pure TypeScript — no electron, no Node built-ins, no DOM globals, nothing of src-main
//   or src-renderer;
// - src-renderer: no Node, no electron, nothing of src-main (the contract is in src-shared); only
//   composables talk to the API client;
// - src-main: electron only under src-main/electron;
// - src-main/engine: one walled room — src-shared, tfjs, zod, node:* and its own files, nothing else;
// - src-main/workers: the engine, src-shared and Node; never the app, services, store, host, CLI or electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'this layer must not use Node.js' })), patterns: [{ group: ['node:*'], message: 'this layer must not use Node.js' }] };
const noElectron = { name: 'electron', message: 'only src-main/electron may import electron' };
const noMainFrom = (layer) => ({ regex: '(^|/)src-main(/|$)', message: `${layer} never imports src-main: main and the renderer meet in the contract (src-shared/ipc)` });
const noRendererFrom = (layer) => ({ regex: '(^|/)src-renderer(/|$)', message: `${layer} never imports src-renderer` });

/**
 * Relative imports a file `depth` folders below src-main/engine may not make, as a regex on the specifier:
 * anything that leaves the engine except `(../)ⁿsrc-shared/` (n = depth + 2 reaches the repository root).
 */
const leaves = (depth) => {
  const inside = depth === 0 ? '\\./' : `\\./|(?:\\.\\./){1,${depth}}(?!\\.\\./)`;
  return `^(?!(?:${inside}|(?:\\.\\./){${depth + 2}}src-shared/))\\.`;
};
const engineMessage = 'the engine (src-main/engine) imports only src-shared, tfjs, zod, node:* and its own files: whatever else it needs is passed in';
/** The engine's wall, per folder depth below src-main/engine (imports are relative). */
const engineWall = [0, 1, 2, 3, 4, 5].map((depth) => ({
  files: [`src-main/engine/${'*/'.repeat(depth)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: leaves(depth), message: engineMessage },
          { regex: '^(?!\\.|node:|@tensorflow/|zod$)', message: engineMessage },
        ],
      },
    ],
  },
}));
/** Compute workers run in worker threads beside the engine: no database, services, host, CLI or window. */
const workersWall = [0, 1].map((depth) => ({
  files: [`src-main/workers/${'*/'.repeat(depth)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: [noElectron],
        patterns: [{ regex: `^(?:\\.\\./){${depth + 1}}(?:app|services|store|host|cli|electron)(?:/|$)`, message: 'compute workers call the engine; the app, services, store, host and CLI stay on the main thread' }],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['out/**', '**/.out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'resources/**', 'src-main/engine/simd/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/attributes-order': 'off',
    },
  },
  {
    files: ['src-main/**/*.ts', 'bin/**', 'scripts/**', 'bench/**', 'test/**', '*.config.*', '.ci/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: [...noNode.patterns, noMainFrom('src-shared'), noRendererFrom('src-shared')] }],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', '__dirname', '__filename', 'require'].map((name) => ({
          name,
          message: 'src-shared is pure TypeScript: no DOM and no Node globals',
        })),
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: [...noNode.patterns, noMainFrom('the renderer')] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'the renderer has no Node' }, { name: 'require', message: 'the renderer has no Node' }],
    },
  },
  {
    files: ['src-renderer/components/**', 'src-renderer/views/**', 'src-renderer/App.vue'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNode.paths],
          patterns: [...noNode.patterns, noMainFrom('the renderer'), { group: ['**/api/client', '**/api/client.ts'], message: 'components do not call the API: use a composable' }],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  ...engineWall,
  ...workersWall,
);
