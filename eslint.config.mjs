import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'actions/dist/', 'tasks/Aml*V1/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['shared/**/*.ts'],
    rules: {
      // The core must not know which CI runs it: faces adapt, the core stays neutral.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@actions/*'], message: 'shared/ is CI-neutral: use the Host port.' },
            { group: ['azure-pipelines-task-lib', 'azure-pipelines-task-lib/*'], message: 'shared/ is CI-neutral: use the Host port.' },
            { group: ['../actions/*', '../../actions/*', '../tasks/*', '../../tasks/*', '../cli/*', '../../cli/*'], message: 'shared/ must not import a face.' },
          ],
        },
      ],
    },
  },
  {
    // Plain CommonJS / ESM scripts run directly by Node.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
