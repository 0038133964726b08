// Result: a stored diagnosis (fresh or reopened from History) with its feedback form.
import { h, render } from '../../../app/dom.ts';
import { navigate } from '../../../app/router.ts';
import { language, t } from '../../../i18n/index.ts';
import type { HistoryEntry } from '../../../lib/db.ts';
import { diagnose } from '../../../lib/inference.ts';
import { loadSettings, saveSettings } from '../../../lib/settings.ts';
import { feedbackForm } from '../../feedback/client/form.ts';
import { getEntry, saveEntry } from '../../history/shared/history-store.ts';
import { heatmapFigure } from './heatmap.ts';
import { diagnosisView } from './view.ts';

/**
 * The map for a stored result. A result made with the heatmap off has none: it is made now from the stored photo
 * (the same centre square the model saw), kept only if the model gives the same answer, and saved with the entry.
 */
async function ensureHeatmap(entry: HistoryEntry): Promise<HistoryEntry> {
  const d = entry.diagnosis;
  if (d.heatmap || !d.disease) return entry;
  const again = await diagnose([await entry.photo.arrayBuffer()], { ...(d.crop ? { crop: d.crop } : {}), heatmap: true });
  if (!again.heatmap || again.heatmap.label !== d.disease) return entry;
  const updated = { ...entry, diagnosis: { ...d, heatmap: again.heatmap } };
  await saveEntry(updated);
  return updated;
}

function heatmapToggle(entry: HistoryEntry, url: string, show: boolean): HTMLElement {
  const slot = h('div', { 'data-testid': 'heatmap-slot' });
  const button = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(show), 'data-testid': 'heatmap-toggle' });
  let current = entry;
  const draw = async (on: boolean) => {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = t(on ? 'result.heatmap.hide' : 'result.heatmap.show');
    if (!on) return render(slot);
    current = await ensureHeatmap(current).catch(() => current);
    const map = current.diagnosis.heatmap;
    render(slot, map ? heatmapFigure(url, map) : h('p', { class: 'muted' }, t('result.heatmap.unavailable')));
  };
  button.addEventListener('click', () => {
    const on = button.getAttribute('aria-pressed') !== 'true';
    void saveSettings({ showHeatmap: on });
    void draw(on);
  });
  void draw(show);
  return h('div', {}, button, slot);
}

export async function resultScreen(root: HTMLElement, id: string | undefined): Promise<() => void> {
  const entry = id ? await getEntry(id) : undefined;
  if (!entry) {
    render(root, h('h1', {}, t('result.title')), h('div', { class: 'notice bad', role: 'alert' }, h('p', {}, t('error.notFound'))));
    return () => undefined;
  }
  const url = URL.createObjectURL(entry.photo);
  const { showHeatmap } = await loadSettings();
  const date = new Date(entry.createdAt).toLocaleString(language(), { dateStyle: 'medium', timeStyle: 'short' });
  render(
    root,
    h('h1', {}, t('result.title')),
    diagnosisView(
      entry.diagnosis,
      h('img', { class: 'result-photo', src: url, alt: t('history.thumbAlt', { date }), width: 104, height: 104 }),
    ),
    entry.diagnosis.disease ? heatmapToggle(entry, url, showHeatmap) : null,
    h('p', { class: 'muted' }, t('result.date', { date })),
    feedbackForm(entry),
    h('button', { type: 'button', class: 'primary', onclick: () => navigate('/diagnose') }, t('result.checkAnother')),
  );
  return () => URL.revokeObjectURL(url);
}
