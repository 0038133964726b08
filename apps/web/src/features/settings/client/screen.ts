// Settings: language, storage health, the model (version, updates, going back) and its backend, the outbox, the server keys.
import { h, liveRegion, render } from '../../../app/dom.ts';
import { language, languages, setLanguage, t, tn } from '../../../i18n/index.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { inferenceErrorCode, loadBundle } from '../../../lib/inference.ts';
import { APP_VERSION, loadSettings, type Settings, saveSettings } from '../../../lib/settings.ts';
import { verdictText } from '../../feedback/client/form.ts';
import { loadModelState } from '../../model-update/client/choice.ts';
import type { UpdateOutcome } from '../../model-update/shared/update.ts';
import { onSyncChange, syncNow } from '../../sync/client/sync-client.ts';
import { lastSync } from '../../sync/shared/drain.ts';
import { outboxSummary } from '../../sync/shared/idb-outbox-store.ts';

function bytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

async function storageCard(): Promise<HTMLElement> {
  const persisted = (await navigator.storage?.persisted?.()) ?? false;
  const estimate = await navigator.storage?.estimate?.();
  return h(
    'section',
    { class: 'card', 'data-testid': 'storage' },
    h('h2', {}, t('settings.storage')),
    h('p', {}, persisted ? t('settings.persisted') : t('settings.notPersisted')),
    estimate?.quota ? h('p', {}, t('settings.quota', { used: bytes(estimate.usage ?? 0), quota: bytes(estimate.quota) })) : null,
  );
}

function updateText(outcome: UpdateOutcome): string {
  switch (outcome.kind) {
    case 'up-to-date':
      return t('modelUpdate.upToDate', { version: outcome.version ?? '' });
    case 'updated':
      return t('modelUpdate.updated', { version: outcome.version, size: bytes(outcome.downloadedBytes) });
    case 'needs-consent':
      return t('modelUpdate.needsConsent', { version: outcome.version, size: bytes(outcome.bytes) });
    case 'refused':
      return t('modelUpdate.refused', { version: outcome.version, detail: outcome.message });
    case 'storage-full':
      return t('modelUpdate.storageFull', { version: outcome.version });
    case 'offline':
      return t('modelUpdate.offline', { detail: outcome.message });
  }
}

/** The model: version, when it was updated, what changed, check now, and "go back to the previous model". */
function modelCard(): [HTMLElement, () => void] {
  const body = h('div', {}, h('p', {}, t('settings.notLoaded')));
  const history = h('div', { 'data-testid': 'model-history' });
  const status = liveRegion();
  const draw = async () => {
    const [state, updates] = [await loadModelState(), await import('../../model-update/client/model-update.ts')];
    const current = state.current;
    render(
      history,
      h(
        'p',
        { 'data-testid': 'model-updated' },
        current?.source === 'downloaded'
          ? t('modelUpdate.updatedAt', { when: new Date(current.installedAt).toLocaleString(language()) })
          : t('modelUpdate.builtIn'),
      ),
      current?.notes
        ? h(
            'details',
            {},
            h('summary', {}, t('modelUpdate.whatChanged')),
            h('p', { class: 'notes', style: 'white-space: pre-line', 'data-testid': 'model-notes' }, current.notes),
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'check-model',
          onclick: async () => {
            status.textContent = t('modelUpdate.checking');
            const outcome = await updates.checkForModelUpdate(async (n) => window.confirm(t('modelUpdate.confirm', { size: bytes(n) })));
            status.textContent = updateText(outcome);
            void refresh();
          },
        },
        t('modelUpdate.check'),
      ),
      state.previous
        ? h(
            'button',
            {
              type: 'button',
              'data-testid': 'previous-model',
              onclick: async () => {
                try {
                  const back = await updates.goBackToPreviousModel();
                  if (back) status.textContent = t('modelUpdate.wentBack', { version: back.version });
                } catch (error) {
                  status.textContent = t('modelUpdate.goBackFailed', { detail: errorMessage(error) });
                }
                void refresh();
              },
            },
            t('modelUpdate.goBack', { version: state.previous.version }),
          )
        : null,
    );
  };
  const refresh = async () => {
    await draw();
    try {
      const b = await loadBundle();
      render(
        body,
        h('p', { class: 'notice ok', 'data-testid': 'works-here' }, t('settings.worksHere')),
        h('p', { 'data-testid': 'settings-bundle' }, t('settings.bundleVersion', { version: b.bundleVersion })),
        // The technical part (signature, backend and why) behind a toggle: the farmer needs none of it.
        h(
          'details',
          { 'data-testid': 'model-details' },
          h('summary', {}, t('settings.details')),
          h('p', {}, t('settings.integrityOk')),
          h(
            'p',
            { 'data-testid': 'backend' },
            tn('settings.backend', b.backend.threads, { name: b.backend.name.toUpperCase(), reason: b.backend.reason }),
          ),
        ),
      );
    } catch (error) {
      render(
        body,
        h(
          'p',
          { class: 'notice bad' },
          inferenceErrorCode(error) === 'BUNDLE_INVALID'
            ? t('settings.integrityBad', { detail: (error as Error).message })
            : errorMessage(error),
        ),
      );
    }
  };
  void refresh();
  let stop: () => void = () => {};
  void import('../../model-update/client/model-update.ts').then((m) => {
    stop = m.onModelUpdate(({ running, outcome }) => {
      if (running) status.textContent = t('modelUpdate.checking');
      else if (outcome) status.textContent = updateText(outcome);
      if (!running) void refresh();
    });
  });
  return [h('section', { class: 'card', 'data-testid': 'model' }, h('h2', {}, t('settings.model')), body, history, status), () => stop()];
}

function outboxCard(): [HTMLElement, () => void] {
  const body = h('div');
  const status = liveRegion();
  const button = h(
    'button',
    { type: 'button', class: 'primary', 'data-testid': 'sync-now', onclick: () => void syncNow() },
    t('settings.syncNow'),
  );
  const draw = async () => {
    const [summary, last] = await Promise.all([outboxSummary(), lastSync()]);
    render(
      body,
      h('p', { 'data-testid': 'outbox-count' }, tn('settings.queued', summary.pending)),
      h(
        'ul',
        { class: 'bullets', 'data-testid': 'outbox' },
        summary.items.map((item) =>
          h(
            'li',
            { 'data-id': item.id },
            `${new Date(item.queuedAt).toLocaleString(language())}: ${verdictText(item.verdict)}${item.rejected ? ' ⚠' : ''}`,
          ),
        ),
      ),
      h(
        'p',
        { 'data-testid': 'last-sync' },
        t('settings.lastSync', { when: last ? new Date(last.at).toLocaleString(language()) : t('settings.never') }),
      ),
    );
  };
  const stop = onSyncChange(({ running, report }) => {
    button.disabled = running;
    if (running) status.textContent = t('settings.syncing');
    else if (report?.outcome === 'done') status.textContent = t('settings.syncDone', { n: report.accepted + report.duplicate });
    else if (report) status.textContent = t('settings.syncFailed', { detail: report.lastError ?? report.outcome });
    void draw();
  });
  void draw();
  return [h('section', { class: 'card' }, h('h2', {}, t('settings.outbox')), body, button, status), stop];
}

function serverCard(settings: Settings): HTMLElement {
  const status = liveRegion();
  const field = (id: keyof Settings, label: string, type: string) => [
    h('label', { class: 'field', for: `set-${id}` }, label),
    h('input', { id: `set-${id}`, type, value: settings[id], autocomplete: 'off', spellcheck: 'false' }),
  ];
  const value = (id: string) => (document.getElementById(`set-${id}`) as HTMLInputElement).value.trim();
  return h(
    'form',
    { class: 'card', onsubmit: (e: Event) => e.preventDefault() },
    h('h2', {}, t('settings.server')),
    field('apiBase', t('settings.apiBase'), 'url'),
    field('deviceToken', t('settings.deviceToken'), 'password'),
    field('reviewToken', t('settings.reviewToken'), 'password'),
    h(
      'button',
      {
        type: 'button',
        'data-testid': 'save-settings',
        onclick: async () => {
          await saveSettings({ apiBase: value('apiBase'), deviceToken: value('deviceToken'), reviewToken: value('reviewToken') });
          status.textContent = t('settings.saved');
        },
      },
      t('settings.save'),
    ),
    status,
    h('a', { class: 'button', href: '#/review' }, t('settings.openReview')),
  );
}

export async function settingsScreen(root: HTMLElement): Promise<() => void> {
  const settings = await loadSettings();
  const select = h(
    'select',
    {
      id: 'language',
      onchange: async () => {
        await saveSettings({ language: select.value });
        setLanguage(select.value);
        window.location.reload(); // every screen re-reads the catalogue
      },
    },
    languages().map((l) => h('option', { value: l.code, selected: l.code === language(), lang: l.code }, l.name)),
  );
  const [outbox, stopOutbox] = outboxCard();
  const [model, stopModel] = modelCard();
  render(
    root,
    h('h1', {}, t('settings.title')),
    h('label', { class: 'field', for: 'language' }, t('settings.language')),
    select,
    outbox,
    await storageCard(),
    model,
    serverCard(settings),
    h('p', { class: 'muted' }, t('settings.appVersion', { version: APP_VERSION })),
  );
  return () => {
    stopOutbox();
    stopModel();
  };
}
