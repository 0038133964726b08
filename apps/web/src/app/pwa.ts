// Service worker registration, the app-update prompt, persistent storage and the online indicator.
// The update prompt waits while a diagnosis runs: a reload then would lose the farmer's photos.
import { Workbox } from 'workbox-window';
import { t } from '../i18n/index.ts';
import { h } from './dom.ts';
import { isBusy, onBusyChange } from './state.ts';

export function registerServiceWorker(banner: HTMLElement): void {
  // `vite` dev serves no sw.js; every build (tests included) registers it.
  if (!('serviceWorker' in navigator) || import.meta.env.MODE === 'development') return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { type: 'module' });
  let waiting = false;

  const show = () => {
    if (!waiting || isBusy()) {
      banner.hidden = true;
      return;
    }
    banner.replaceChildren(
      h('p', {}, t('update.ready')),
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          onclick: () => {
            if (isBusy()) return;
            // Reload only once the new worker controls the page, so the reload gets the new files.
            wb.addEventListener('controlling', () => window.location.reload());
            wb.messageSkipWaiting();
          },
        },
        t('update.apply'),
      ),
      h('button', { type: 'button', onclick: () => (banner.hidden = true) }, t('update.later')),
    );
    banner.hidden = false;
  };

  wb.addEventListener('waiting', () => {
    waiting = true;
    show();
  });
  onBusyChange(show);
  void wb.register();
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
