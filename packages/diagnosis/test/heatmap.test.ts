import { describe, expect, it } from 'vitest';
import { heatmapOf, peakOf } from '../src/heatmap.ts';

// Two labels, 2x3 maps: label 0 then label 1, row-major.
const cam = new Float32Array([0, 1, 2, -1, 4, 0, /* label 1 */ -3, -2, -1, -1, -5, -2]);

describe('heatmapOf', () => {
  it('picks the label map, drops negative evidence and scales the strongest cell to 1', () => {
    const map = heatmapOf(cam, [1, 2, 2, 3], 0, 'Tomato___Late_blight');
    expect(map).toEqual({ label: 'Tomato___Late_blight', width: 3, height: 2, values: [0, 0.25, 0.5, 0, 1, 0] });
    expect(peakOf(map)).toEqual({ row: 1, column: 1 });
  });

  it('gives an all-zero map when no cell argues for the label', () => {
    expect(heatmapOf(cam, [1, 2, 2, 3], 1, 'x').values).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses shapes and indices that do not fit', () => {
    expect(() => heatmapOf(cam, [2, 3], 0, 'x')).toThrow('must be (1, labels, height, width)');
    expect(() => heatmapOf(cam, [1, 2, 2, 3], 2, 'x')).toThrow('outside the 2 maps');
    expect(() => heatmapOf(cam, [1, 2, 2, 2], 0, 'x')).toThrow('hold 12 values, expected 8');
  });
});
