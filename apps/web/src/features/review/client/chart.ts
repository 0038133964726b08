// Per-class stacked bars of farmer answers (right / wrong / not sure), as inline SVG: no chart library.
import type { ClassCounts } from '../shared/api.ts';

const NS = 'http://www.w3.org/2000/svg';
const COLOURS = { right: '#0b5d1e', wrong: '#b3261e', notSure: '#b58100' } as const;

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

export function statsChart(rows: ClassCounts[], name: (label: string) => string, title: string): SVGSVGElement {
  const sorted = [...rows].sort((a, b) => b.total - a.total);
  const max = Math.max(1, ...sorted.map((r) => r.total));
  const rowH = 34;
  const width = 340;
  const svg = el('svg', { viewBox: `0 0 ${width} ${sorted.length * rowH + 4}`, class: 'chart', role: 'img' }) as SVGSVGElement;
  svg.setAttribute('aria-label', `${title}: ${sorted.map((r) => `${name(r.label)} ${r.right}/${r.wrong}/${r.notSure}`).join('; ')}`);
  sorted.forEach((row, i) => {
    const y = i * rowH;
    svg.append(el('text', { x: 0, y: y + 12 }, `${name(row.label)} (${row.right}/${row.wrong}/${row.notSure})`));
    let x = 0;
    for (const key of ['right', 'wrong', 'notSure'] as const) {
      const w = (row[key] / max) * width;
      if (w > 0) svg.append(el('rect', { x, y: y + 16, width: w, height: 12, fill: COLOURS[key] }));
      x += w;
    }
  });
  return svg;
}
