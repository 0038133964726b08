/**
 * Temperature-scaled softmax: the manifest's temperature was fitted on held-out photos so that
 * a "0.8" means right about 80% of the time. Subtracts the max first so large logits don't overflow.
 */
export function calibratedSoftmax(logits: ArrayLike<number>, temperature: number): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  const n = logits.length;
  const out = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i] as number);
  if (!Number.isFinite(max)) throw new RangeError('logits are not finite');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(((logits[i] as number) - max) / temperature);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Picks the logits of some classes (by index) out of a full output vector. */
export function pick(values: ArrayLike<number>, indices: readonly number[]): number[] {
  return indices.map((i) => values[i] as number);
}
