// The trainer command the tests hand a backend: node running fake-trainer.ts with a settings file.
import { join } from 'node:path';
import { REPO_ROOT } from '../src/env.ts';

export const fakeTrainerCommand = (settingsPath: string | (() => string)) => async () => [
  process.execPath,
  '--import',
  'tsx',
  join(REPO_ROOT, 'apps/api/test/fake-trainer.ts'),
  typeof settingsPath === 'string' ? settingsPath : settingsPath(),
];
