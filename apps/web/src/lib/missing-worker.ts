// Stand-in used only while workers/inference/src/worker.ts does not exist yet: the app builds and says
// honestly that the plant doctor is missing instead of failing to load.
import { expose } from 'comlink';
import type { InferenceWorkerApi } from '../../../../workers/inference/src/api.ts';

function missing(): never {
  const error = new Error('this build has no inference worker (workers/inference/src/worker.ts was missing at build time).');
  error.name = 'MODEL_FAILED';
  throw error;
}

const api: InferenceWorkerApi = {
  load: async () => missing(),
  diagnose: async () => missing(),
  cancel: async () => undefined,
};
expose(api);
