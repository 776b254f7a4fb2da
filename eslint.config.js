// Lint holds the layers that types cannot (STYLE.md): who may import what.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'stream/promises',
  'timers',
  'timers/promises',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];
const IO_MODULES = ['fs', 'fs/promises', 'net', 'dgram', 'tls', 'http', 'https', 'http2', 'child_process', 'dns'];

const noElectron = { name: 'electron', message: 'Only src-main/electron/ imports electron (DESIGN.md, layers).' };
const corePatterns = [
  { group: ['electron/*'], message: 'Only src-main/electron/ imports electron.' },
  { group: ['**/src-renderer/**'], message: 'The core never imports the renderer; they meet at the API.' },
  { group: ['**/electron/**', '!**/node_modules/**'], message: 'The core never imports the Electron shell.' },
];
const noNode = [
  { group: ['node:*'], message: 'This layer runs outside Node: no Node modules here.' },
  ...NODE_BUILTINS.map((name) => ({ group: [name], message: 'This layer runs outside Node: no Node modules here.' })),
];

export default tseslint.config(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**', 'assets/**', '**/*.d.ts', 'test/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bin/**/*.js', 'eslint.config.js', 'test/**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
  // src-shared: pure. No Node, no DOM, no other layer.
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, { name: 'react', message: 'src-shared is pure: no React.' }],
          patterns: [
            ...noNode,
            {
              group: ['**/src-main/**', '**/src-renderer/**'],
              message: 'src-shared imports nothing from other layers.',
            },
          ],
        },
      ],
    },
  },
  // The core: Node, never Electron, never the renderer.
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: corePatterns,
        },
      ],
    },
  },
  // Pure parsers: bytes in, values out. No I/O (DESIGN.md), so they can be tested on bytes and fuzzed.
  {
    files: [
      'src-main/rtp/**/*.ts',
      'src-main/codec/**/*.ts',
      'src-main/rtsp/message.ts',
      'src-main/rtsp/transport-header.ts',
      'src-main/rtsp/sdp.ts',
      'src-main/rtsp/*-header.ts',
      'src-main/rtsp/*-auth.ts',
      'src-main/recorder/mp4/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            ...corePatterns,
            ...IO_MODULES.map((name) => ({
              group: [name, `node:${name}`],
              message: 'Parsers do no I/O: take bytes, return values.',
            })),
          ],
        },
      ],
    },
  },
  // The Electron shell may import electron and the core.
  {
    files: ['src-main/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-renderer/**'], message: 'The shell loads the renderer bundle; it does not import it.' },
          ],
        },
      ],
    },
  },
  // The renderer: browser only. It sees src-shared and nothing of the core.
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            ...noNode,
            { group: ['**/src-main/**'], message: 'The renderer talks to the core through the API, never by import.' },
          ],
        },
      ],
    },
  },
);
