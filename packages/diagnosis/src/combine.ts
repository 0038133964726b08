/**
 * Combines the calibrated probabilities of several photos of one plant by their arithmetic mean.
 * Why not the mean of log-probabilities (a product of experts)? Photos of the same plant are far
 * from independent evidence: the product counts the same leaf several times and comes out
 * overconfident, and a single blurred photo giving the right class ~0 vetoes it. The mean stays
 * calibrated when photos agree and degrades gracefully when one is bad.
 */
export function meanProbabilities(perPhoto: readonly ArrayLike<number>[]): Float64Array {
  const first = perPhoto[0];
  if (!first) throw new RangeError('no photos to combine');
  const out = new Float64Array(first.length);
  for (const p of perPhoto) {
    if (p.length !== out.length) throw new RangeError('photos have different class counts');
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (p[i] as number) / perPhoto.length;
  }
  return out;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** How many photos' own top class is `index`. */
export function countAgreeing(perPhoto: readonly ArrayLike<number>[], index: number): number {
  return perPhoto.filter((p) => argmax(p) === index).length;
}
