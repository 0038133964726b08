// Result: a stored diagnosis (fresh or reopened from History): the answer, "Was this right?", next steps, details.
import { h, liveRegion, render } from '../../../app/dom.ts';
import { navigate } from '../../../app/router.ts';
import { language, type MessageKey, t } from '../../../i18n/index.ts';
import type { HistoryEntry } from '../../../lib/db.ts';
import { diagnose, loadBundle } from '../../../lib/inference.ts';
import { loadSettings, saveSettings } from '../../../lib/settings.ts';
import { uuidv7 } from '../../../lib/uuidv7.ts';
import { feedbackForm } from '../../feedback/client/form.ts';
import { getEntry, saveEntry } from '../../history/shared/history-store.ts';
import { cropName } from '../shared/words.ts';
import { heatmapFigure } from './heatmap.ts';
import { speakerButton } from './speak.ts';
import { answerView, detailsView } from './view.ts';

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

// One healthy leaf per crop (public/crops/, 64 px, from PlantVillage CC0 and iBean CC BY 4.0), so a farmer who
// reads little can pick the crop by its leaf; a crop without a picture gets its name alone.
const CROP_PICTURES = new Set([
  'apple',
  'bean',
  'blueberry',
  'cherry',
  'corn',
  'grape',
  'orange',
  'pepper-bell',
  'potato',
  'raspberry',
  'strawberry',
  'tomato',
]);

function cropPicture(crop: string): HTMLElement | null {
  const slug = crop
    .toLowerCase()
    .replace(/\(.*?\)/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return CROP_PICTURES.has(slug) ? h('img', { src: `crops/${slug}.png`, alt: '', width: 48, height: 48, class: 'crop-picture' }) : null;
}

/** Next steps of a not-sure result: retake with tips, and (crop unclear) choose the crop to check the same photo again. */
function nextSteps(entry: HistoryEntry): HTMLElement | null {
  const d = entry.diagnosis;
  if (d.kind !== 'not-sure') return null;
  const status = liveRegion();
  const crops = h('div', { class: 'crop-choices', 'data-testid': 'crop-choices' });
  if (d.reason === 'crop-unclear' && !d.chosenCrop) {
    void loadBundle().then(
      (b) =>
        render(
          crops,
          h('h3', {}, t('result.pickCrop')),
          h(
            'div',
            { class: 'crop-grid' },
            b.crops.map((crop) =>
              h(
                'button',
                {
                  type: 'button',
                  'data-crop': crop,
                  onclick: async () => {
                    status.textContent = t('diagnose.working');
                    const again = await diagnose([await entry.photo.arrayBuffer()], { crop });
                    const id = uuidv7();
                    await saveEntry({ ...entry, id, createdAt: new Date().toISOString(), diagnosis: again, feedback: undefined });
                    navigate(`/result/${id}`);
                  },
                },
                cropPicture(crop),
                cropName(crop),
              ),
            ),
          ),
        ),
      () => undefined,
    );
  }
  return h(
    'section',
    { class: 'card', 'data-testid': 'next-steps' },
    h('h2', {}, t('result.nextStep')),
    h('p', {}, t(`result.notSure.${d.reason}.next` as MessageKey)),
    crops,
    h('p', { class: 'small' }, t('result.retakeTips')),
    h('button', { type: 'button', class: 'primary', 'data-testid': 'retake', onclick: () => navigate('/diagnose') }, t('result.retake')),
    status,
  );
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
  const d = entry.diagnosis;
  // Order for a glance at 360x640: the answer and how sure, then "Was this right?", then everything else.
  render(
    root,
    h('h1', { class: 'visually-hidden' }, t('result.title')),
    answerView(
      d,
      h('img', { class: 'result-photo', src: url, alt: t('history.thumbAlt', { date }), width: 104, height: 104 }),
      speakerButton(d),
    ),
    feedbackForm(entry),
    nextSteps(entry),
    d.kind === 'diagnosis' && d.disease ? heatmapToggle(entry, url, showHeatmap) : null,
    detailsView(d),
    h('p', { class: 'muted' }, t('result.date', { date })),
    h('button', { type: 'button', class: 'primary', onclick: () => navigate('/diagnose') }, t('result.checkAnother')),
  );
  return () => URL.revokeObjectURL(url);
}
