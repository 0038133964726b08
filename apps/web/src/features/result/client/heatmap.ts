// "Where the model looked": the diagnosis' class activation map over the farmer's photo, toggled on the result
// screen. The model sees the centre square of the photo, so the photo is shown as that square (object-fit: cover)
// and the map (a few cells a side) is stretched over it with smoothing.
import type { Heatmap } from '@leafcheck/diagnosis/types';
import { h } from '../../../app/dom.ts';
import { t } from '../../../i18n/index.ts';
import { diseaseName } from '../shared/words.ts';

/** Warm colours where the evidence was strong, transparent where there was none. */
export function paintHeatmap(canvas: HTMLCanvasElement, map: Heatmap): void {
  const cells = document.createElement('canvas');
  cells.width = map.width;
  cells.height = map.height;
  const small = cells.getContext('2d') as CanvasRenderingContext2D;
  const img = small.createImageData(map.width, map.height);
  map.values.forEach((v, i) => {
    img.data[i * 4] = 255;
    img.data[i * 4 + 1] = Math.round(220 * (1 - v)); // yellow -> red as the evidence grows
    img.data[i * 4 + 2] = 0;
    img.data[i * 4 + 3] = Math.round(190 * v);
  });
  small.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(cells, 0, 0, canvas.width, canvas.height);
}

/** The photo as the model saw it, with the map on top. */
export function heatmapFigure(photoUrl: string, map: Heatmap): HTMLElement {
  const canvas = h('canvas', { class: 'heatmap-layer', width: 320, height: 320, 'aria-hidden': 'true', 'data-testid': 'heatmap-canvas' });
  paintHeatmap(canvas as HTMLCanvasElement, map);
  const found = map.values.some((v) => v > 0);
  return h(
    'figure',
    { class: 'heatmap', 'data-testid': 'heatmap', 'data-label': map.label },
    h('div', { class: 'heatmap-frame' }, h('img', { src: photoUrl, alt: '', class: 'heatmap-photo' }), canvas),
    h(
      'figcaption',
      { class: 'muted' },
      found ? t('result.heatmap.caption', { disease: diseaseName(map.label) }) : t('result.heatmap.none'),
    ),
  );
}
