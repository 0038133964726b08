import { describe, expect, it } from 'vitest';
import { createUpdateGate } from './update-gate.ts';

describe('update gate', () => {
  it('shows the prompt only when an update waits and no diagnosis runs', () => {
    const seen: boolean[] = [];
    const gate = createUpdateGate((v) => seen.push(v));
    gate.setBusy(true);
    gate.updateWaiting();
    expect(gate.promptVisible).toBe(false);
    expect(gate.apply()).toBe(false);
    gate.setBusy(false);
    expect(gate.promptVisible).toBe(true);
    expect(seen).toEqual([true]);
  });

  it('hides the prompt as soon as a diagnosis starts, and refuses to reload during it', () => {
    const gate = createUpdateGate(() => undefined);
    gate.updateWaiting();
    expect(gate.promptVisible).toBe(true);
    gate.setBusy(true);
    expect(gate.promptVisible).toBe(false);
    expect(gate.apply()).toBe(false);
    gate.setBusy(false);
    expect(gate.apply()).toBe(true);
  });

  it('stays dismissed until the next update', () => {
    const gate = createUpdateGate(() => undefined);
    gate.updateWaiting();
    gate.dismiss();
    gate.setBusy(true);
    gate.setBusy(false);
    expect(gate.promptVisible).toBe(false);
    gate.updateWaiting();
    expect(gate.promptVisible).toBe(true);
  });

  it('never shows without a waiting update', () => {
    const gate = createUpdateGate(() => undefined);
    gate.setBusy(false);
    expect(gate.promptVisible).toBe(false);
    expect(gate.apply()).toBe(false);
  });
});
