// Service worker registration, the app-update prompt, persistent storage and the online indicator.
// The update prompt waits while a diagnosis runs (see update-gate.ts).
import { Workbox } from 'workbox-window';
import { t } from '../i18n/index.ts';
import { h } from './dom.ts';
import { isBusy, onBusyChange } from './state.ts';
import { createUpdateGate } from './update-gate.ts';

export function registerServiceWorker(banner: HTMLElement): void {
  // `vite` dev serves no sw.js; every build (tests included) registers it.
  if (!('serviceWorker' in navigator) || import.meta.env.MODE === 'development') return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { type: 'module' });
  const gate = createUpdateGate((visible) => {
    banner.hidden = !visible;
  });
  banner.replaceChildren(
    h('p', {}, t('update.ready')),
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-testid': 'apply-update',
        onclick: () => {
          if (!gate.apply()) return;
          // Reload only once the new worker controls the page, so the reload gets the new files.
          wb.addEventListener('controlling', () => window.location.reload());
          wb.messageSkipWaiting();
        },
      },
      t('update.apply'),
    ),
    h('button', { type: 'button', onclick: () => gate.dismiss() }, t('update.later')),
  );
  wb.addEventListener('waiting', () => gate.updateWaiting());
  onBusyChange(() => gate.setBusy(isBusy()));
  void wb.register();
  // Cheap phones keep a PWA open for days: look for a new version when it comes back to the foreground.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && navigator.onLine) void wb.update();
  });
}

/** Ask the browser not to evict our history, outbox and model when space runs low. */
export async function requestPersistence(): Promise<boolean> {
  if (!navigator.storage?.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}

export function watchOnline(indicator: HTMLElement): void {
  const update = () => {
    const online = navigator.onLine;
    indicator.textContent = online ? t('net.online') : t('net.offline');
    indicator.classList.toggle('offline', !online);
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
}
