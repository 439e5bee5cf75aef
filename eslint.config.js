// ESLint: code quality plus the layer rule (see docs/architecture.md):
// - src-shared: pure TypeScript — no electron, no Node built-ins, no DOM globals;
// - src-renderer: no Node, no electron; only composables talk to the API client;
// - src-main: electron only under src-main/electron; compute workers never import electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'this layer must not use Node.js' })), patterns: [{ group: ['node:*'], message: 'this layer must not use Node.js' }] };
const noElectron = { name: 'electron', message: 'only src-main/electron may import electron' };

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
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: noNode.patterns }],
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
      'no-restricted-imports': ['error', { paths: [noElectron, ...noNode.paths], patterns: noNode.patterns }],
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
          patterns: [...noNode.patterns, { group: ['**/api/client', '**/api/client.ts'], message: 'components do not call the API: use a composable' }],
        },
      ],
    },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
);
