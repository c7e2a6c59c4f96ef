// ESLint flat config: type-aware rules and the layering rules from STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, patterns, message) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: [{ group: patterns, message, allowTypeImports: false }] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'scripts/*.mjs', 'src/dashboard/static/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  layer(['src/core/**'], ['../*', '!./*'], 'core imports nothing (STYLE.md §2)'),
  layer(
    ['src/surfaces/**', 'src/providers/**'],
    [
      '**/pipeline/**',
      '**/server/**',
      '**/cli/**',
      '**/routing/**',
      '**/cache/**',
      '**/limits/**',
      '**/telemetry/**',
      '**/trace-store/**',
    ],
    'surfaces and providers import only core and lib (STYLE.md §2)',
  ),
  layer(
    ['src/**'],
    ['**/server/**', '!../server/**', '!./**'],
    'nothing imports server (STYLE.md §2)',
  ),
  layer(
    ['emulator/**'],
    ['**/src/**'],
    'the emulator shares no code with src/ (it is the test oracle)',
  ),
  {
    files: ['src/core/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*'], message: 'core imports nothing (STYLE.md §2)' }] },
      ],
    },
  },
  {
    // A generator function or class made inside a function is a new function object per call, and
    // V8 gives each its own old-generation map pointing back to it: whatever its closure holds then
    // survives every young-generation GC until a mark-compact (BENCHMARKS.md, eighth session).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/dashboard/ui/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...[
          ':function FunctionExpression[generator=true]',
          ':function FunctionDeclaration[generator=true]',
          ':function ClassDeclaration',
          ':function ClassExpression',
        ].map((selector) => ({
          selector,
          message:
            'Declare generator functions and classes at module level: one made per call keeps its closure alive through young-generation GCs (see src/providers/shared/read-upstream-stream.ts).',
        })),
      ],
    },
  },
);
