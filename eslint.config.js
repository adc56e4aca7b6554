// @ts-check
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (docs/architecture.md). A file may import its own layer and the layers
 * below it, never one above.
 */
const LAYERS = ['core', 'model', 'pipeline', 'adapters', 'tools', 'app'];

/** Each driver is reached through one adapter folder only. */
const DRIVERS = [
  { name: 'kafkajs', packages: ['kafkajs'], home: 'src/adapters/kafka' },
  { name: 'pg', packages: ['pg', 'pg-pool', 'pg-protocol'], home: 'src/adapters/postgres' },
  { name: 'OpenTelemetry', packages: ['@opentelemetry/*'], home: 'src/adapters/telemetry' },
  { name: 'avsc', packages: ['avsc'], home: 'src/adapters/avro' },
];

/** Tensors are numeric code: the model layer (tools and the app drive it from above). */
const TENSOR_LIBRARIES = ['@tensorflow/*', 'onnxruntime-node', 'onnxruntime-common'];

/** core is pure: no I/O of any kind. */
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:readline',
  'node:worker_threads',
];

const layerZones = LAYERS.flatMap((layer, index) =>
  LAYERS.slice(index + 1).map((higher) => ({
    target: `./src/${layer}`,
    from: `./src/${higher}`,
    message: `${layer} is below ${higher}: depend inward (a port in the lower layer, the implementation above).`,
  })),
);

/** `no-restricted-imports` for the files of one folder: every driver not at home there, and `extra`. */
function restrictedImports(folder, extra = []) {
  const drivers = DRIVERS.filter((driver) => !folder.startsWith(driver.home)).map((driver) => ({
    // A package name, not a path pattern: `pg` must not match a file such as ./pg-metrics-sink.ts.
    regex: `^(${driver.packages.map((name) => name.replace('*', '.+')).join('|')})(/.*)?$`,
    message: `${driver.name} is used only in ${driver.home}; go through its port.`,
  }));
  return ['error', { patterns: [...drivers, ...extra] }];
}

const tensorBan = {
  regex: `^(${TENSOR_LIBRARIES.map((name) => name.replace('*', '.+')).join('|')})(/.*)?$`,
  message: 'tensor code lives in src/model; give this layer a plain-array interface.',
};
const ioBan = {
  regex: `^(${IO_MODULES.join('|')})$`,
  message: 'src/core does no I/O; take the data or a port instead.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.larr/', 'reports/'] },
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
          // node:test's test()/describe() return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after'],
              package: 'node:test',
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Implementations of async interfaces (stores, fakes) often have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // The architecture: layers import downwards only, no cycles, drivers behind their adapters, small files.
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js'] })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': restrictedImports('src/'),
      'max-lines': ['error', { max: 400 }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports('src/core', [tensorBan, ioBan]) },
  },
  {
    files: ['src/pipeline/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports('src/pipeline', [tensorBan]) },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': restrictedImports('src/adapters', [tensorBan]) },
  },
  ...DRIVERS.map((driver) => ({
    files: [`${driver.home}/**/*.ts`],
    rules: { 'no-restricted-imports': restrictedImports(driver.home, [tensorBan]) },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
