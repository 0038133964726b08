// App entry: shell (header, bottom navigation), routes, service worker and sync triggers.
import './app/styles.css';
import './app/components.css';
import { h } from './app/dom.ts';
import { registerServiceWorker, requestPersistence, watchOnline } from './app/pwa.ts';
import { type Route, startRouter } from './app/router.ts';
import { type MessageKey, pickLanguage, setLanguage, t } from './i18n/index.ts';
import { loadSettings } from './lib/settings.ts';
// Before any screen loads a bundle: which one the phone runs (a downloaded update or the embedded one).
import './features/model-update/client/choice.ts';

// Screens load on first use: the first paint ships only the shell and the diagnose screen.
// The service worker precaches every chunk, so this costs nothing offline.
const routes: Route[] = [
  { name: 'diagnose', screen: async (root) => (await import('./features/diagnose/client/screen.ts')).diagnoseScreen(root) },
  { name: 'result', screen: async (root, id) => (await import('./features/result/client/screen.ts')).resultScreen(root, id) },
  { name: 'history', screen: async (root) => (await import('./features/history/client/screen.ts')).historyScreen(root) },
  { name: 'settings', screen: async (root) => (await import('./features/settings/client/screen.ts')).settingsScreen(root) },
  { name: 'review', screen: async (root) => (await import('./features/review/client/screen.ts')).reviewScreen(root) },
];

// 24x24 stroke icons as path data: no icon font (cheap phones often lack emoji glyphs).
const tabs: { name: string; label: MessageKey; icon: string }[] = [
  {
    name: 'diagnose',
    label: 'nav.diagnose',
    icon: 'M10.5 3a7.5 7.5 0 1 0 4.6 13.4l4.7 4.7 1.4-1.4-4.7-4.7A7.5 7.5 0 0 0 10.5 3zm0 2a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11z',
  },
  {
    name: 'history',
    label: 'nav.history',
    icon: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zm-1 3v6l5 3 1-1.7-4-2.4V7z',
  },
  {
    name: 'settings',
    label: 'nav.settings',
    icon: 'M19.4 13a7.5 7.5 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1l-.4-2.6h-4l-.4 2.7a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.4L4.6 11a7.5 7.5 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1l.4 2.6h4l.4-2.7a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.4zM12 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  },
];

function icon(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  svg.append(p);
  return svg;
}

async function start(): Promise<void> {
  setLanguage((await loadSettings()).language || pickLanguage(navigator.languages ?? [navigator.language]));
  const indicator = h('span', { class: 'net', role: 'status' });
  const banner = h('div', { class: 'update-banner', role: 'alert', hidden: true });
  const main = h('main', { id: 'main' });
  const links = tabs.map((tab) => h('a', { href: `#/${tab.name}`, 'data-tab': tab.name }, icon(tab.icon), t(tab.label)));
  document.body.replaceChildren(
    h('header', { class: 'top' }, h('span', { class: 'brand' }, t('app.name')), indicator),
    banner,
    main,
    h('nav', { class: 'tabs', 'aria-label': t('app.name') }, links),
  );
  watchOnline(indicator);
  startRouter(main, routes, (name) => {
    const active = name;
    for (const link of links) {
      if (link.dataset.tab === active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  });
  registerServiceWorker(banner);
  void requestPersistence();
  // Sync (and zod with it) is not needed for the first paint.
  setTimeout(() => void import('./features/sync/client/sync-client.ts').then((m) => m.startSyncTriggers()), 500);
  // Model updates: at start (after the first paint and the bundle load), on regaining signal, every few hours.
  setTimeout(() => void import('./features/model-update/client/model-update.ts').then((m) => m.startModelUpdateChecks()), 3000);
}

void start();
