// Result: a stored diagnosis (fresh or reopened from History) with its feedback form.
import { h, render } from '../../../app/dom.ts';
import { navigate } from '../../../app/router.ts';
import { language, t } from '../../../i18n/index.ts';
import { feedbackForm } from '../../feedback/client/form.ts';
import { getEntry } from '../../history/shared/history-store.ts';
import { diagnosisView } from './view.ts';

export async function resultScreen(root: HTMLElement, id: string | undefined): Promise<() => void> {
  const entry = id ? await getEntry(id) : undefined;
  if (!entry) {
    render(root, h('h1', {}, t('result.title')), h('div', { class: 'notice bad', role: 'alert' }, h('p', {}, t('error.notFound'))));
    return () => undefined;
  }
  const url = URL.createObjectURL(entry.photo);
  const date = new Date(entry.createdAt).toLocaleString(language(), { dateStyle: 'medium', timeStyle: 'short' });
  render(
    root,
    h('h1', {}, t('result.title')),
    diagnosisView(
      entry.diagnosis,
      h('img', { class: 'result-photo', src: url, alt: t('history.thumbAlt', { date }), width: 104, height: 104 }),
    ),
    h('p', { class: 'muted' }, t('result.date', { date })),
    feedbackForm(entry),
    h('button', { type: 'button', class: 'primary', onclick: () => navigate('/diagnose') }, t('result.checkAnother')),
  );
  return () => URL.revokeObjectURL(url);
}
