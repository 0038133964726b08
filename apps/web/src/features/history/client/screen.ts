// History: every diagnosis on this phone, newest first, with thumbnail, date and result; reopen or delete.
import { h, liveRegion, render } from '../../../app/dom.ts';
import { navigate } from '../../../app/router.ts';
import { language, t, tn } from '../../../i18n/index.ts';
import type { HistoryEntry } from '../../../lib/db.ts';
import { cropName, diseaseName } from '../../result/shared/words.ts';
import { deleteAllEntries, deleteEntry, listEntries } from '../shared/history-store.ts';

function summary(entry: HistoryEntry): string {
  const d = entry.diagnosis;
  const crop = d.crop ?? d.chosenCrop;
  if (d.kind === 'diagnosis') return `${cropName(d.crop)}: ${diseaseName(d.disease)}`;
  // A not-sure result names the crop only when the farmer chose it or the crop itself was not in doubt.
  const cropKnown = crop && (d.chosenCrop || (d.reason !== 'crop-unclear' && d.reason !== 'not-a-leaf'));
  return cropKnown ? t('history.notSureCrop', { crop: cropName(crop) }) : t('result.notSure');
}

export async function historyScreen(root: HTMLElement): Promise<() => void> {
  const urls: string[] = [];
  const status = liveRegion();
  const list = h('ul', { class: 'plain', 'data-testid': 'history' });
  const footer = h('div');

  const draw = async () => {
    for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    const entries = await listEntries();
    render(
      list,
      entries.map((entry) => {
        const url = URL.createObjectURL(entry.thumbnail);
        urls.push(url);
        const date = new Date(entry.createdAt).toLocaleString(language(), { dateStyle: 'medium', timeStyle: 'short' });
        return h(
          'li',
          { class: 'history-item', 'data-id': entry.id },
          h('img', { src: url, alt: t('history.thumbAlt', { date }), width: 72, height: 72 }),
          h('div', {}, h('p', {}, h('strong', {}, summary(entry))), h('p', { class: 'muted' }, date)),
          h(
            'div',
            { class: 'actions' },
            h('button', { type: 'button', class: 'primary', onclick: () => navigate(`/result/${entry.id}`) }, t('history.open')),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                'aria-label': `${t('history.delete')}: ${summary(entry)}, ${date}`,
                onclick: async () => {
                  await deleteEntry(entry.id);
                  status.textContent = t('history.deleted');
                  await draw();
                },
              },
              t('history.delete'),
            ),
          ),
        );
      }),
    );
    render(
      footer,
      entries.length === 0
        ? h('p', { 'data-testid': 'history-empty' }, t('history.empty'))
        : h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: async () => {
                if (!window.confirm(tn('history.confirmDeleteAll', entries.length))) return;
                await deleteAllEntries();
                status.textContent = t('history.deleted');
                await draw();
              },
            },
            t('history.deleteAll'),
          ),
    );
  };

  render(root, h('h1', {}, t('history.title')), status, list, footer);
  await draw();
  return () => {
    for (const url of urls) URL.revokeObjectURL(url);
  };
}
