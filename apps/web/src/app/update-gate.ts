// When may the app-update prompt show, and when may it reload? Never while a diagnosis runs:
// a reload then would throw away the farmer's photos and the work in progress.
export interface UpdateGate {
  /** A new service worker is installed and waiting. */
  updateWaiting(): void;
  setBusy(busy: boolean): void;
  /** Whether the prompt should be visible now. */
  readonly promptVisible: boolean;
  /** The farmer tapped "Update now": true if the update may be applied now. */
  apply(): boolean;
  dismiss(): void;
}

export function createUpdateGate(onChange: (visible: boolean) => void): UpdateGate {
  let waiting = false;
  let busy = false;
  let dismissed = false;
  const visible = () => waiting && !busy && !dismissed;
  let last = false;
  const emit = () => {
    if (visible() !== last) {
      last = visible();
      onChange(last);
    }
  };
  return {
    updateWaiting() {
      waiting = true;
      dismissed = false;
      emit();
    },
    setBusy(value) {
      busy = value;
      emit();
    },
    get promptVisible() {
      return visible();
    },
    apply() {
      return waiting && !busy;
    },
    dismiss() {
      dismissed = true;
      emit();
    },
  };
}
