// Agronomist review: one item at a time (photo, model, farmer, Claude), one-key accept / correct / skip,
// and per-class stats. Needs an agronomist key and a network; the farmer screens never depend on it.
import { h, liveRegion, render } from '../../../app/dom.ts';
import { languages, t } from '../../../i18n/index.ts';
import { loadedBundle } from '../../../lib/inference.ts';
import { loadSettings } from '../../../lib/settings.ts';
import { hasTranslation } from '../../result/shared/advice.ts';
import { diseaseName, fullName, percent } from '../../result/shared/words.ts';
import {
  type Decision,
  proposedLabel,
  type ReviewApi,
  ReviewApiError,
  type ReviewItem,
  reviewApi,
  type Suggestion,
} from '../shared/api.ts';
import { statsChart } from './chart.ts';

function suggestionView(s: Suggestion | null): HTMLElement {
  if (s === null) return h('span', {}, '…');
  if (s.status === 'disabled') return h('span', {}, `${t('review.claudeNone')} (${s.reason})`);
  if (s.status === 'error') return h('span', { class: 'muted' }, t('review.claudeFailed', { detail: s.error }));
  const x = s.suggestion;
  return h(
    'div',
    { 'data-testid': 'claude' },
    h('strong', {}, diseaseName(x.label)),
    ` (${x.confidence})`,
    x.needsReview ? h('span', { class: 'certainty possibly' }, ` ${t('review.needsReview')}`) : null,
    h('p', {}, x.reasoning),
    x.visibleSymptoms.length
      ? h(
          'ul',
          { class: 'bullets' },
          x.visibleSymptoms.map((v) => h('li', {}, v)),
        )
      : null,
  );
}

async function labelChoices(item: ReviewItem): Promise<string[]> {
  const labels = new Set<string>(item.model.topK.map((p) => p.label));
  if (item.farmer.correctedLabel) labels.add(item.farmer.correctedLabel);
  if (item.suggestion?.status === 'ok') labels.add(item.suggestion.suggestion.label);
  const bundle = await loadedBundle()?.catch(() => undefined);
  for (const list of Object.values(bundle?.taxonomy ?? {})) for (const l of list) labels.add(l);
  return [...labels].sort();
}

/** Flag the advice translation of this item's class in one language (only languages that translate that class). */
function translationFlag(api: ReviewApi, label: string | null): HTMLElement | null {
  if (!label) return null;
  const translated = languages().filter((l) => hasTranslation(l.code, label));
  if (translated.length === 0) return null;
  const status = liveRegion();
  const select = h(
    'select',
    { id: 'flag-language' },
    translated.map((l) => h('option', { value: l.code }, l.name)),
  );
  const note = h('input', { id: 'flag-note', type: 'text', maxlength: 1000, autocomplete: 'off' });
  return h(
    'details',
    { class: 'card', 'data-testid': 'translation-flag' },
    h('summary', {}, `${t('review.translation')}: ${fullName(label)}`),
    h('label', { class: 'field', for: 'flag-language' }, t('review.translationLanguage')),
    select,
    h('label', { class: 'field', for: 'flag-note' }, t('review.flagNote')),
    note,
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'flag-translation',
        onclick: async () => {
          try {
            await api.flagTranslation({ label, language: select.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) });
            status.textContent = t('review.flagged');
          } catch (error) {
            status.textContent = t('review.failed', { detail: error instanceof Error ? error.message : String(error) });
          }
        },
      },
      t('review.flag'),
    ),
    status,
  );
}

export async function reviewScreen(root: HTMLElement): Promise<() => void> {
  const settings = await loadSettings();
  const notice = (text: string) =>
    render(root, h('h1', {}, t('review.title')), h('div', { class: 'notice warn', role: 'alert' }, h('p', {}, text)));
  if (!settings.reviewToken) {
    notice(t('review.needToken'));
    return () => undefined;
  }
  if (!navigator.onLine) {
    notice(t('review.offline'));
    return () => undefined;
  }
  const api: ReviewApi = reviewApi(settings.apiBase, settings.reviewToken);
  const status = liveRegion();
  const card = h('section', { class: 'card', 'data-testid': 'review-item' }, t('review.loading'));
  const stats = h('section', {}, h('h2', {}, t('review.stats')));
  render(root, h('h1', {}, t('review.title')), status, card, stats);

  let items: ReviewItem[] = [];
  // The API keeps skipped items at the end of its queue; this session does not offer them again.
  const skipped = new Set<string>();
  let photoUrl: string | null = null;
  let busy = false;

  const fail = (error: unknown) => {
    const denied = error instanceof ReviewApiError && (error.status === 401 || error.status === 403);
    status.textContent = denied
      ? t('review.denied')
      : t('review.failed', { detail: error instanceof Error ? error.message : String(error) });
  };

  const decide = async (decision: Decision) => {
    const item = items[0];
    if (!item || busy) return;
    busy = true;
    try {
      await api.decide(item.id, decision);
      if (decision.decision === 'skip') skipped.add(item.id);
      items.shift();
      await show();
    } catch (error) {
      fail(error);
    } finally {
      busy = false;
    }
  };

  const correct = async (item: ReviewItem) => {
    const select = h(
      'select',
      { id: 'review-label' },
      (await labelChoices(item)).map((l) => h('option', { value: l }, `${diseaseName(l)} — ${l}`)),
    );
    const box = h(
      'div',
      {},
      h('label', { class: 'field', for: 'review-label' }, t('feedback.pickLabel')),
      select,
      h(
        'button',
        { type: 'button', class: 'primary', onclick: () => void decide({ decision: 'label', label: select.value }) },
        t('review.saveLabel'),
      ),
    );
    card.append(box);
    select.focus();
  };

  async function show(): Promise<void> {
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    photoUrl = null;
    if (items.length === 0) items = (await api.queue()).filter((i) => !skipped.has(i.id));
    const item = items[0];
    if (!item) {
      render(card, h('p', { 'data-testid': 'review-empty' }, t('review.empty')));
      return;
    }
    const photo = await api.photo(item).catch(() => null);
    photoUrl = photo ? URL.createObjectURL(photo) : null;
    const accept = proposedLabel(item);
    const top = item.model.topK[0];
    render(
      card,
      h('p', { class: 'muted' }, t('review.left', { n: items.length }), ` · ${item.priority} · ${item.bundleVersion}`),
      photoUrl
        ? h('img', { class: 'review-photo', src: photoUrl, alt: t('review.photoAlt'), width: 512, height: 512 })
        : h('p', { class: 'muted' }, t('review.noPhoto')),
      h(
        'dl',
        { class: 'pairs' },
        h('dt', {}, t('review.model')),
        h('dd', {}, top ? `${diseaseName(top.label)} (${percent(top.probability)}%)` : item.model.kind),
        h('dt', {}, t('review.farmer')),
        h(
          'dd',
          { 'data-testid': 'farmer' },
          item.farmer.verdict === 'wrong' && item.farmer.correctedLabel
            ? t('verdict.wrong', { label: diseaseName(item.farmer.correctedLabel) })
            : t(`verdict.${item.farmer.verdict}`),
          item.farmer.note ? ` — “${item.farmer.note}”` : '',
        ),
        h('dt', {}, t('review.claude')),
        h('dd', {}, suggestionView(item.suggestion)),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          disabled: accept === null,
          'data-testid': 'accept',
          onclick: () => accept && void decide({ decision: 'label', label: accept }),
        },
        `${t('review.accept')}${accept ? `: ${diseaseName(accept)}` : ''}`,
      ),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', onclick: () => void correct(item) }, t('review.correct')),
        h('button', { type: 'button', onclick: () => void decide({ decision: 'skip' }) }, t('review.skip')),
      ),
      translationFlag(api, accept ?? top?.label ?? null),
    );
    if (item.suggestion === null) {
      // Not computed yet: ask for it without blocking the review.
      api.suggestion(item.id).then(
        (s) => {
          item.suggestion = s;
          if (items[0] === item) void show();
        },
        () => undefined,
      );
    }
  }

  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, textarea, select')) return;
    const item = items[0];
    if (!item) return;
    const key = event.key.toLowerCase();
    if (key === 'a') {
      const label = proposedLabel(item);
      if (label) void decide({ decision: 'label', label });
    } else if (key === 'c') void correct(item);
    else if (key === 's') void decide({ decision: 'skip' });
  };
  document.addEventListener('keydown', onKey);

  show().catch(fail);
  api
    .stats()
    .then(
      (rows) => stats.append(h('p', { class: 'muted' }, t('review.statsLegend')), statsChart(rows, diseaseName, t('review.stats'))),
      fail,
    );
  return () => {
    document.removeEventListener('keydown', onKey);
    if (photoUrl) URL.revokeObjectURL(photoUrl);
  };
}
