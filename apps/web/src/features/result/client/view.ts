// Renders one Diagnosis for the farmer, for a glance: the answer and how sure first (the feedback question follows
// it on the screen), then alternatives that carry real probability, then the advice in the farmer's language.
// A not-sure result never shows a crop or disease as if it were the answer: it says why and what to do next.
import type { AdviceEntry, Diagnosis, NotSureDiagnosis } from '@leafcheck/diagnosis/types';
import { h } from '../../../app/dom.ts';
import { formatPercent, type MessageKey, t, tn } from '../../../i18n/index.ts';
import { type LocalAdvice, localAdvice } from '../shared/advice.ts';
import { certaintyKey, cropName, diseaseName, percent, scientificName, shownAlternatives } from '../shared/words.ts';

function certainty(probability: number): HTMLElement {
  const key = certaintyKey(probability);
  return h(
    'p',
    { class: 'sure' },
    h('span', { class: key === 'result.possibly' ? 'certainty possibly' : 'certainty', 'data-testid': 'certainty' }, t(key)),
    ' ',
    h('span', { class: 'nowrap' }, t('result.percent', { p: formatPercent(percent(probability)) })),
  );
}

function list(title: MessageKey, items: string[]): HTMLElement[] {
  if (items.length === 0) return [];
  return [
    h('h3', {}, t(title)),
    h(
      'ul',
      { class: 'bullets' },
      items.map((item) => h('li', {}, item)),
    ),
  ];
}

function adviceView(advice: AdviceEntry | null, label: string | undefined): HTMLElement {
  if (!advice || !label)
    return h('section', { class: 'card', 'data-testid': 'advice' }, h('h2', {}, t('result.advice')), h('p', {}, t('result.noAdvice')));
  const local: LocalAdvice = localAdvice(label, advice);
  const source = advice.source.url
    ? h('a', { href: advice.source.url, rel: 'noopener', target: '_blank' }, advice.source.name)
    : advice.source.name;
  return h(
    'section',
    { class: 'card', 'data-testid': 'advice', lang: local.lang },
    h('h2', {}, t('result.advice')),
    list('result.actions', local.actions),
    list('result.symptoms', local.symptoms),
    list('result.prevention', local.prevention),
    local.status === 'original'
      ? null
      : h('p', { class: 'small', 'data-testid': 'advice-status', 'data-status': local.status }, t(`advice.status.${local.status}`)),
    h('p', { class: 'small' }, t('result.source', { source: '' }).trim(), ' ', source),
  );
}

/** Alternatives with real probability only; near-zero ones say nothing useful. */
function alternativesView(title: MessageKey, d: Diagnosis): HTMLElement | null {
  const others = shownAlternatives(d.alternatives, d.kind === 'diagnosis' ? d.disease : undefined);
  if (others.length === 0) return null;
  return h(
    'section',
    {},
    h('h2', {}, t(title)),
    h(
      'ul',
      { class: 'plain', 'data-testid': 'alternatives' },
      others.map((a) =>
        h(
          'li',
          { 'data-label': a.label },
          `${diseaseName(a.label)} — ${formatPercent(percent(a.probability))}`,
          h('div', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: `width:${percent(a.probability)}%` })),
        ),
      ),
    ),
  );
}

/** The crop may be named on a not-sure result only when the farmer chose it or the crop itself was not in doubt. */
export function notSureCrop(d: NotSureDiagnosis): string | undefined {
  if (d.chosenCrop) return d.chosenCrop;
  return d.reason === 'too-close' || d.reason === 'low-confidence' ? d.crop : undefined;
}

/**
 * The first screen of a result: photo beside the answer and how sure (or "Not sure" and why). `actions` (the
 * next steps of a not-sure result) follow the reason; `feedback` ("Was this right?") comes right after.
 */
export function answerView(d: Diagnosis, photo: HTMLImageElement | null, speaker: HTMLElement | null): HTMLElement {
  if (d.kind === 'diagnosis') {
    const sci = scientificName(d.disease);
    return h(
      'div',
      { class: 'result-head' },
      photo,
      h(
        'div',
        {},
        h('p', { class: 'muted', 'data-testid': 'crop' }, h('strong', {}, cropName(d.crop))),
        h('p', { class: 'verdict', 'data-testid': 'disease', 'data-label': d.disease }, diseaseName(d.disease)),
        sci ? h('p', { class: 'small scientific', lang: 'la' }, sci) : null,
        certainty(d.probability),
        speaker,
      ),
    );
  }
  const crop = notSureCrop(d);
  return h(
    'div',
    { class: 'result-head' },
    photo,
    h(
      'div',
      {},
      crop ? h('p', { class: 'muted', 'data-testid': 'crop' }, h('strong', {}, cropName(crop))) : null,
      h('p', { class: 'verdict', 'data-testid': 'not-sure', 'data-reason': d.reason }, t('result.notSure')),
      h('p', { 'data-testid': 'not-sure-why' }, t(`result.notSure.${d.reason}` as MessageKey)),
      speaker,
    ),
  );
}

/** Everything below the feedback question: alternatives, advice, how many photos, model version. */
export function detailsView(d: Diagnosis): HTMLElement {
  return h(
    'div',
    {},
    d.kind === 'diagnosis'
      ? alternativesView('result.alternatives', d)
      : d.reason === 'too-close' || d.reason === 'low-confidence'
        ? alternativesView('result.mightBe', d)
        : null,
    d.kind === 'diagnosis' ? adviceView(d.advice, d.disease) : null,
    h('p', { class: 'muted' }, tn('result.photos', d.photos.total, { agreeing: d.photos.agreeing })),
    h('p', { class: 'muted', 'data-testid': 'bundle-version' }, t('result.bundle', { version: d.bundleVersion })),
  );
}
