import { fileURLToPath } from 'node:url';
import { createNodePipeline, readKeyFile } from '../src/node-platform.ts';

export const FIXTURE_BUNDLE = fileURLToPath(new URL('../../../packages/bundle/fixtures/signed-by-python/', import.meta.url));
export const FIXTURE_KEY = fileURLToPath(new URL('../../../packages/bundle/fixtures/signed-by-python.key.json', import.meta.url));

export function fixturePipeline() {
  return createNodePipeline(FIXTURE_BUNDLE, [readKeyFile(FIXTURE_KEY)]);
}
