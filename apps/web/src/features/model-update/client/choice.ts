// Loaded with the shell (small): from the first load on, the worker runs the bundle model-update installed,
// or the embedded one. The update logic itself (model-update.ts) loads later, off the first paint.
import { getMeta, setMeta } from '../../../lib/db.ts';
import { setBundleChoice } from '../../../lib/inference.ts';
import { EMPTY_STATE, type ModelState } from '../shared/state.ts';

const STATE_KEY = 'modelUpdate';

export const loadModelState = async (): Promise<ModelState> => ({ ...EMPTY_STATE, ...((await getMeta<ModelState>(STATE_KEY)) ?? {}) });
export const saveModelState = (state: ModelState): Promise<void> => setMeta(STATE_KEY, state);

setBundleChoice(async () => {
  const current = (await loadModelState()).current;
  return current?.source === 'downloaded' ? { files: current.files } : {};
});
