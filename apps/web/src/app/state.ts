// App-wide state that more than one feature reads: is a diagnosis running (the update prompt waits for it).
type Listener = () => void;
let busy = false;
const listeners = new Set<Listener>();

export function setBusy(value: boolean): void {
  busy = value;
  for (const l of listeners) l();
}

export function isBusy(): boolean {
  return busy;
}

export function onBusyChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
