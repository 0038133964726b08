// "Where the model looked": one disease's class activation map, from the graph's `cam` output.
// With global average pooling and a linear head the map is exact: the disease logit is the map's mean plus a
// bias, so the cells with high values are the ones that pushed the answer toward that disease.
import type { Heatmap } from './types.ts';

/**
 * The map of label `index` from a (1, labels, height, width) NCHW output, rectified and scaled to 0..1
 * (cells that argued against the disease show as 0). A flat map (no cell above 0) is all zeros.
 */
export function heatmapOf(cam: Float32Array, dims: readonly number[], index: number, label: string): Heatmap {
  const [n, labels, height, width] = dims;
  if (dims.length !== 4 || n !== 1 || labels === undefined || height === undefined || width === undefined) {
    throw new Error(`class activation maps must be (1, labels, height, width), got (${dims.join(', ')})`);
  }
  if (index < 0 || index >= labels) throw new Error(`label index ${index} is outside the ${labels} maps`);
  if (cam.length !== labels * height * width)
    throw new Error(`class activation maps hold ${cam.length} values, expected ${labels * height * width}`);
  const cells = height * width;
  const map = cam.subarray(index * cells, (index + 1) * cells);
  let max = 0;
  for (const v of map) if (v > max) max = v;
  const values = Array.from(map, (v) => (max > 0 && v > 0 ? Math.round((v / max) * 1000) / 1000 : 0));
  return { label, width, height, values };
}

/** The cell (row, column) where the map is highest. */
export function peakOf(map: Heatmap): { row: number; column: number } {
  let best = 0;
  for (let i = 1; i < map.values.length; i++) if ((map.values[i] as number) > (map.values[best] as number)) best = i;
  return { row: Math.floor(best / map.width), column: best % map.width };
}
