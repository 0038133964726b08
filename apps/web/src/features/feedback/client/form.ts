// "Was this right?" on a result: right / wrong, it is … / not sure, a note, consent switches; saved to the outbox.
import type { FeedbackRecord } from '@leafcheck/sync';
import { h, liveRegion, render } from '../../../app/dom.ts';
import { t } from '../../../i18n/index.ts';
import type { HistoryEntry } from '../../../lib/db.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { blobToBase64 } from '../../../lib/image.ts';
import { loadBundle } from '../../../lib/inference.ts';
import { APP_VERSION, deviceId } from '../../../lib/settings.ts';
import { uuidv7 } from '../../../lib/uuidv7.ts';
import { saveEntry } from '../../history/shared/history-store.ts';
import { cropName, diseaseName } from '../../result/shared/words.ts';
import { outboxChanged } from '../../sync/client/sync-client.ts';
import { enqueue, isQueued } from '../../sync/shared/idb-outbox-store.ts';
import { buildFeedbackRecord } from '../shared/build-record.ts';

type Kind = FeedbackRecord['verdict']['kind'];

export function verdictText(verdict: FeedbackRecord['verdict']): string {
  return verdict.kind === 'wrong' ? t('verdict.wrong', { label: diseaseName(verdict.correctedLabel) }) : t(`verdict.${verdict.kind}`);
}

function position(): Promise<{ lat: number; lon: number } | undefined> {
  if (!navigator.geolocation) return Promise.resolve(undefined);
  return new Promise((resolve) =>
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
      () => resolve(undefined), // refused or no fix: send without it
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 3_600_000 },
    ),
  );
}

function switchInput(id: string, label: string): [HTMLLabelElement, HTMLInputElement] {
  const input = h('input', { type: 'checkbox', role: 'switch', id });
  return [h('label', { class: 'switch', for: id }, input, label), input];
}

export function feedbackForm(entry: HistoryEntry): HTMLElement {
  const section = h('section', { class: 'card', 'aria-labelledby': 'feedback-title', 'data-testid': 'feedback' });
  const status = liveRegion();

  const done = (message: string) =>
    render(
      section,
      h('h2', { id: 'feedback-title' }, t('feedback.title')),
      h('div', { class: 'notice ok', 'data-testid': 'feedback-saved' }, h('p', {}, message)),
      entry.feedback ? h('p', {}, t('feedback.already', { verdict: verdictText(entry.feedback.verdict) })) : null,
    );
  if (entry.feedback) {
    const recordId = entry.feedback.recordId;
    done(t('feedback.saved'));
    void isQueued(recordId).then((queued) => {
      if (!queued) done(t('feedback.sent'));
    });
    return section;
  }

  let kind: Kind | null = null;
  const buttons = (['right', 'wrong', 'not-sure'] as const).map((k) =>
    h(
      'button',
      { type: 'button', 'aria-pressed': 'false', 'data-verdict': k, onclick: () => choose(k) },
      t(k === 'right' ? 'feedback.right' : k === 'wrong' ? 'feedback.wrong' : 'feedback.notSure'),
    ),
  );
  const labelSelect = h('select', { id: 'corrected' }, h('option', { value: '' }, t('feedback.pickLabel')));
  const labelField = h('div', { hidden: true }, h('label', { class: 'field', for: 'corrected' }, t('feedback.itIs')), labelSelect);
  void loadBundle().then(
    (bundle) => {
      for (const [crop, labels] of Object.entries(bundle.taxonomy)) {
        labelSelect.append(
          h(
            'optgroup',
            { label: cropName(crop) },
            labels.map((l) => h('option', { value: l }, diseaseName(l))),
          ),
        );
      }
    },
    () => undefined,
  );
  const note = h('textarea', { id: 'note', maxlength: 2000 });
  const [photoSwitch, photoConsent] = switchInput('consent-photo', t('feedback.sendPhoto'));
  const [locationSwitch, locationConsent] = switchInput('consent-location', t('feedback.sendLocation'));
  const save = h(
    'button',
    { type: 'button', class: 'primary', disabled: true, 'data-testid': 'save-feedback', onclick: () => void submit() },
    t('feedback.save'),
  );

  function choose(k: Kind): void {
    kind = k;
    for (const b of buttons) b.setAttribute('aria-pressed', String(b.dataset.verdict === k));
    labelField.hidden = k !== 'wrong';
    save.disabled = false;
  }

  async function submit(): Promise<void> {
    if (!kind) return;
    const corrected = labelSelect.value;
    if (kind === 'wrong' && !corrected) {
      status.textContent = t('feedback.needLabel');
      labelSelect.focus();
      return;
    }
    save.disabled = true;
    try {
      const verdict: FeedbackRecord['verdict'] = kind === 'wrong' ? { kind, correctedLabel: corrected } : { kind };
      const [id, device, photo, where] = await Promise.all([
        uuidv7(),
        deviceId(),
        photoConsent.checked ? blobToBase64(entry.photo) : undefined,
        locationConsent.checked ? position() : undefined,
      ]);
      const record = buildFeedbackRecord({
        id,
        deviceId: device,
        appVersion: APP_VERSION,
        diagnosis: entry.diagnosis,
        diagnosedAt: entry.createdAt,
        verdict,
        note: note.value,
        ...(photo ? { photoJpegBase64: photo } : {}),
        ...(where ? { position: where } : {}),
        now: new Date(),
      });
      await enqueue(record);
      entry.feedback = { verdict, recordId: record.id, at: record.createdAt };
      await saveEntry(entry);
      done(t('feedback.saved'));
      outboxChanged();
    } catch (caught) {
      status.textContent = errorMessage(caught);
      save.disabled = false;
    }
  }

  render(
    section,
    h('h2', { id: 'feedback-title' }, t('feedback.title')),
    h('div', { class: 'row', role: 'group', 'aria-labelledby': 'feedback-title' }, buttons),
    labelField,
    h('label', { class: 'field', for: 'note' }, t('feedback.note')),
    note,
    photoSwitch,
    locationSwitch,
    save,
    status,
  );
  return section;
}
