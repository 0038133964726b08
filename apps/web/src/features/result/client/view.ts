// Renders one Diagnosis for the farmer: crop, problem, certainty in words and numbers, alternatives, advice.
import type { AdviceEntry, Diagnosis } from '@leafcheck/diagnosis/types';
import { h } from '../../../app/dom.ts';
import { type MessageKey, t } from '../../../i18n/index.ts';
import { certaintyKey, cropName, diseaseName, percent } from '../shared/words.ts';

function certainty(probability: number): HTMLElement {
  const key = certaintyKey(probability);
  return h(
    'p',
    {},
    h('span', { class: key === 'result.possibly' ? 'certainty possibly' : 'certainty', 'data-testid': 'certainty' }, t(key)),
    ' ',
    h('span', { class: 'nowrap' }, t('result.percent', { p: percent(probability) })),
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

function adviceView(advice: AdviceEntry | null): HTMLElement {
  if (!advice)
    return h('section', { class: 'card', 'data-testid': 'advice' }, h('h2', {}, t('result.advice')), h('p', {}, t('result.noAdvice')));
  const source = advice.source.url
    ? h('a', { href: advice.source.url, rel: 'noopener', target: '_blank' }, advice.source.name)
    : advice.source.name;
  return h(
    'section',
    { class: 'card', 'data-testid': 'advice' },
    h('h2', {}, t('result.advice')),
    list('result.actions', advice.actions),
    list('result.symptoms', advice.symptoms),
    list('result.prevention', advice.prevention),
    h('p', { class: 'muted' }, t('result.source', { source: '' }).trim(), ' ', source),
  );
}

/** `photo` is shown beside the answer so the answer stays above the fold on a 360x640 screen. */
export function diagnosisView(d: Diagnosis, photo: HTMLImageElement | null = null): HTMLElement {
  const crop = d.crop ?? d.chosenCrop;
  const head =
    d.kind === 'diagnosis'
      ? [h('p', { class: 'verdict', 'data-testid': 'disease', 'data-label': d.disease }, diseaseName(d.disease)), certainty(d.probability)]
      : [h('p', { class: 'verdict', 'data-testid': 'not-sure', 'data-reason': d.reason }, t('result.notSure'))];
  const notSure =
    d.kind === 'not-sure'
      ? [
          h(
            'div',
            { class: 'notice warn' },
            h('p', {}, t(`result.notSure.${d.reason}` as MessageKey)),
            h('p', {}, t(`result.notSure.${d.reason}.next` as MessageKey)),
          ),
          d.disease && d.probability !== undefined
            ? h(
                'p',
                { 'data-testid': 'best-guess', 'data-label': d.disease },
                t('result.bestGuess'),
                ': ',
                h('strong', {}, diseaseName(d.disease)),
                ` (${percent(d.probability)}%)`,
              )
            : null,
        ]
      : [];
  const others = d.alternatives.filter((a) => a.label !== d.disease);
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'result-head' },
      photo,
      h(
        'div',
        {},
        crop ? h('p', { class: 'muted', 'data-testid': 'crop' }, `${t('result.crop')}: `, h('strong', {}, cropName(crop))) : null,
        head,
      ),
    ),
    notSure,
    others.length
      ? h(
          'section',
          {},
          h('h2', {}, t('result.alternatives')),
          h(
            'ul',
            { class: 'plain', 'data-testid': 'alternatives' },
            others.map((a) =>
              h(
                'li',
                {},
                `${diseaseName(a.label)} — ${percent(a.probability)}%`,
                h('div', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: `width:${percent(a.probability)}%` })),
              ),
            ),
          ),
        )
      : null,
    d.kind === 'diagnosis' || d.advice ? adviceView(d.advice) : null,
    h('p', { class: 'muted' }, t('result.photos', { agreeing: d.photos.agreeing, total: d.photos.total })),
    h('p', { class: 'muted', 'data-testid': 'bundle-version' }, t('result.bundle', { version: d.bundleVersion })),
  );
}
