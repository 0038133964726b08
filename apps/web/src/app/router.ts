// Hash routes (#/history, #/result/<id>): work offline from one cached index.html with no server rewrites.
export type Cleanup = () => void;
export type Screen = (root: HTMLElement, param: string | undefined) => Cleanup | undefined | Promise<Cleanup | undefined>;

export interface Route {
  name: string;
  screen: Screen;
}

let current: Cleanup | undefined;
let generation = 0;

export function navigate(path: string): void {
  if (location.hash === `#${path}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = path;
}

export function currentRouteName(): string {
  return location.hash.replace(/^#\/?/, '').split('/')[0] || 'diagnose';
}

export function startRouter(root: HTMLElement, routes: Route[], onChange: (name: string) => void): void {
  const show = async () => {
    const [name = 'diagnose', param] = location.hash.replace(/^#\/?/, '').split('/');
    const route = routes.find((r) => r.name === name) ?? routes[0];
    if (!route) return;
    const mine = ++generation;
    current?.();
    current = undefined;
    root.replaceChildren();
    onChange(route.name);
    const cleanup = await route.screen(root, param ? decodeURIComponent(param) : undefined);
    if (mine === generation) current = cleanup ?? undefined;
    else cleanup?.();
    // Move focus to the new screen's heading so screen readers announce it.
    const heading = root.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', () => void show());
  void show();
}
