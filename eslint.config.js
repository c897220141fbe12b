// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The import rules of CONTRIBUTING.md, enforced: which folder of src/ may import which (the
 * data flow of design.md, nothing runs back up), and every import that enters another folder
 * goes through that folder's index.ts, its public face. `types` lists folders whose types
 * only may be imported.
 */
const LAYERS = {
  errors: { may: ['source'] },
  source: { may: [] },
  shared: { may: ['errors'] },
  parser: { may: ['errors', 'source', 'shared'] },
  params: { may: ['errors', 'parser'] },
  graph: { may: ['errors', 'parser', 'params'] },
  qemu: { may: ['errors', 'shared'] },
  guest: { may: ['errors', 'shared', 'qemu'] },
  'guest-image': { may: ['errors', 'shared', 'qemu'] },
  states: { may: ['errors', 'shared', 'qemu', 'guest', 'params'], types: ['parser'] },
  scheduler: { may: ['errors', 'shared', 'parser', 'params', 'graph', 'guest', 'states'] },
  report: {
    may: ['errors', 'source'],
    types: ['shared', 'parser', 'params', 'graph', 'qemu', 'guest', 'states', 'scheduler'],
  },
  cli: {
    may: [
      'errors',
      'source',
      'shared',
      'parser',
      'params',
      'graph',
      'qemu',
      'guest',
      'guest-image',
      'states',
      'scheduler',
      'report',
    ],
  },
};
const FOLDERS = Object.keys(LAYERS).filter((f) => f !== 'errors');
const up = (depth) => `(?:\\.\\./){${depth}}`;

/** The no-restricted-imports patterns of a file `depth` folders below src/ in `layer`. */
function importPatterns(layer, depth) {
  const { may, types = [] } = LAYERS[layer];
  const banned = (list) => `^${up(depth)}(?:${list.join('|')})(?:/|\\.js$)`;
  const patterns = [
    {
      // ../x/file.js, ../../x/y/index.js, ./sub/file.js: past another folder's index.ts.
      regex: '^(?:\\./|(?:\\.\\./)+)[^./][^/]*/(?!index\\.js$)',
      message: 'Import another folder through its index.ts (its public face).',
    },
  ];
  const never = ['errors', ...FOLDERS].filter(
    (f) => f !== layer && !may.includes(f) && !types.includes(f),
  );
  if (never.length > 0) {
    patterns.push({
      regex: banned(never),
      message: `${layer}/ may import ${[...may, ...types.map((t) => `${t} (types)`)].join(', ') || 'nothing of cartograph'} (CONTRIBUTING.md, Imports).`,
    });
  }
  if (types.length > 0) {
    patterns.push({
      regex: banned(types),
      allowTypeImports: true,
      message: `${layer}/ may import only types of ${types.join(', ')} (CONTRIBUTING.md, Imports).`,
    });
  }
  return patterns;
}

const importRules = Object.keys(LAYERS).flatMap((layer) =>
  [1, 2, 3].map((depth) => ({
    files: [layer === 'errors' ? 'src/errors.ts' : `src/${layer}/${'*/'.repeat(depth - 1)}*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: importPatterns(layer, depth) },
      ],
    },
  })),
);

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'bench/out/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Template literals with numbers are how messages are built; everything else stays strict.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Config text is measured in code points, as Python does; spreading strings is intended.
      '@typescript-eslint/no-misused-spread': 'off',
    },
  },
  ...importRules,
  {
    // Launchers, scripts, benchmarks and the CLI's entry may print; tests may use loose typing helpers.
    files: ['bin/**', 'scripts/**', 'bench/**', 'configs/scripts/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
);
