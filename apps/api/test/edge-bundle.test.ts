// createApp must stay runtime-free: bundled for a Workers target (platform neutral, workerd/worker/browser
// conditions), the files that still reach a node: builtin are exactly the list below. A new one fails this test;
// the list only shrinks (each entry is an injected backend still imported by a route: export tarball, registry
// and channels on files, training runs and local trainer). The edge adapter runs
// them under workerd's nodejs_compat meanwhile (src/edge/local.ts); their routes answer 503 there.
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const STILL_ON_NODE = [
  'apps/api/src/export/export.ts',
  'apps/api/src/registry/channels.ts',
  'apps/api/src/registry/registry.ts',
  'apps/api/src/training/backend.ts',
  'apps/api/src/training/runs.ts',
  'packages/bundle/src/node.ts',
];

it('createApp bundles for a Workers target with no node: builtin beyond the known list', { timeout: 60_000 }, async () => {
  const root = join(import.meta.dirname, '../../..');
  const importers = new Set<string>();
  await build({
    stdin: { contents: "export { createApp } from './apps/api/src/app.ts';", resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /^node:/ }, (args) => {
            importers.add(args.importer.slice(root.length + 1));
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  expect([...importers].sort()).toEqual(STILL_ON_NODE);
});
