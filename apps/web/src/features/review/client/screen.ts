// Agronomist review (filled in against the API's /v1/review contract).
import { h, render } from '../../../app/dom.ts';
import { t } from '../../../i18n/index.ts';

export function reviewScreen(root: HTMLElement): undefined {
  render(root, h('h1', {}, t('review.title')), h('p', {}, t('review.needToken')));
  return undefined;
}
