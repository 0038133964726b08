// Diagnose: add one or more photos of the same plant, check their quality, optionally choose the crop, run.
import { h, liveRegion, render } from '../../../app/dom.ts';
import { navigate } from '../../../app/router.ts';
import { setBusy } from '../../../app/state.ts';
import { type MessageKey, t, tn } from '../../../i18n/index.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { toJpeg } from '../../../lib/image.ts';
import { cancel, diagnose, inferenceErrorCode, loadBundle } from '../../../lib/inference.ts';
import { loadSettings } from '../../../lib/settings.ts';
import { uuidv7 } from '../../../lib/uuidv7.ts';
import { saveEntry } from '../../history/shared/history-store.ts';
import { cropName } from '../../result/shared/words.ts';
import type { QualityIssue } from '../shared/quality.ts';
import { hasLiveCamera, openCamera } from './camera.ts';
import { addPhoto, type Photo, releasePhoto } from './photo.ts';

const MAX_PHOTOS = 6;

function issueNotice(issues: QualityIssue[], onRetake: () => void, onAccept: () => void): HTMLElement {
  return h(
    'div',
    { class: 'notice warn', role: 'alert', 'data-testid': 'quality-warning' },
    h('p', {}, t('quality.title')),
    issues.map((issue) => [
      h('p', { 'data-issue': issue }, t(`quality.${issue}` as MessageKey)),
      h('p', {}, t(`quality.${issue}.fix` as MessageKey)),
    ]),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'primary', onclick: onRetake }, t('quality.retake')),
      h('button', { type: 'button', onclick: onAccept }, t('quality.useAnyway')),
    ),
  );
}

function fileButton(label: string, testId: string, capture: boolean, onFile: (file: File) => void, primary = false): HTMLElement {
  const input = h('input', {
    type: 'file',
    accept: 'image/*',
    class: 'visually-hidden',
    'data-testid': testId,
    capture: capture ? 'environment' : null,
  });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (file) onFile(file);
  });
  return h('label', { class: primary ? 'button primary' : 'button' }, input, label);
}

/**
 * Start the model once the page has painted and settled: verifying and compiling it competes for the
 * CPU of a cheap phone, and the farmer needs the buttons first (the camera takes seconds to open anyway).
 */
function afterFirstPaint<T>(work: () => Promise<T>): Promise<T> {
  return new Promise((resolve) => {
    const start = () => (window.requestIdleCallback ?? setTimeout)(() => resolve(work()), { timeout: 1_500 });
    if (document.readyState === 'complete') start();
    else window.addEventListener('load', start, { once: true });
  });
}

export function diagnoseScreen(root: HTMLElement): () => void {
  const photos: Photo[] = [];
  let crop = '';
  let crops: string[] = [];
  let running: string | null = null;
  let error = '';
  let modelStatus = t('diagnose.loadingModel');
  const cameraBox = h('div');
  const status = liveRegion();
  const body = h('div');

  const add = async (blob: Blob) => {
    error = '';
    try {
      photos.push(await addPhoto(blob));
    } catch (caught) {
      error = errorMessage(caught);
    }
    draw();
  };
  const remove = (photo: Photo) => {
    photos.splice(photos.indexOf(photo), 1);
    releasePhoto(photo);
    draw();
  };
  const live = async () => {
    try {
      const blob = await openCamera(cameraBox);
      if (blob) await add(blob);
    } catch {
      error = t('diagnose.cameraFailed');
      draw();
    }
  };

  const run = async () => {
    const requestKey = uuidv7();
    running = requestKey;
    error = '';
    setBusy(true);
    draw();
    try {
      const buffers = await Promise.all(photos.map((p) => p.blob.arrayBuffer()));
      const heatmap = (await loadSettings()).showHeatmap; // off: the worker never computes the maps
      const diagnosis = await diagnose(buffers, { requestKey, heatmap, ...(crop ? { crop } : {}) });
      const first = photos[0] as Photo;
      const id = uuidv7();
      const [thumbnail, photo] = await Promise.all([toJpeg(first.bitmap, 160, 0.7), toJpeg(first.bitmap, 512, 0.8)]);
      await saveEntry({ id, createdAt: new Date().toISOString(), diagnosis, thumbnail, photo });
      running = null;
      setBusy(false);
      navigate(`/result/${id}`);
      return;
    } catch (caught) {
      const code = inferenceErrorCode(caught);
      if (code !== 'CANCELLED') error = errorMessage(caught);
      // The worker refused a photo the page had accepted (it could not decode it): the worker does not say which,
      // so the photos go, and "Take a new photo" starts clean instead of failing again on the same file.
      if (code?.startsWith('IMAGE_')) for (const p of photos.splice(0)) releasePhoto(p);
    }
    running = null;
    setBusy(false);
    draw();
  };

  function draw(): void {
    const pending = photos.find((p) => !p.accepted);
    const sourceButtons = (primary: boolean) => [
      fileButton(photos.length ? t('diagnose.addMore') : t('diagnose.takePhoto'), 'photo-input', true, (f) => void add(f), primary),
      fileButton(t('diagnose.pickPhoto'), 'gallery-input', false, (f) => void add(f)),
      hasLiveCamera() ? h('button', { type: 'button', onclick: () => void live() }, t('diagnose.liveCamera')) : null,
    ];
    render(
      body,
      error ? h('div', { class: 'notice bad', role: 'alert', 'data-testid': 'error' }, h('p', {}, error)) : null,
      photos.length
        ? [
            h('p', { class: 'muted' }, tn('diagnose.photoCount', photos.length)),
            h(
              'div',
              { class: 'photos' },
              photos.map((p, i) =>
                h(
                  'figure',
                  {},
                  h('img', { src: p.url, alt: t('diagnose.photoAlt', { n: i + 1 }) }),
                  running
                    ? null
                    : h('button', { type: 'button', 'aria-label': t('diagnose.removePhoto', { n: i + 1 }), onclick: () => remove(p) }, '✕'),
                ),
              ),
            ),
          ]
        : null,
      running
        ? [
            h('div', { class: 'progress', role: 'progressbar', 'aria-label': t('diagnose.working') }),
            h('p', { 'data-testid': 'working' }, t('diagnose.working')),
            h('button', { type: 'button', onclick: () => running && void cancel(running) }, t('diagnose.cancel')),
          ]
        : pending
          ? issueNotice(
              pending.issues,
              () => remove(pending),
              () => {
                pending.accepted = true;
                draw();
              },
            )
          : [
              photos.length
                ? [
                    h('label', { class: 'field', for: 'crop' }, t('diagnose.crop')),
                    h(
                      'select',
                      { id: 'crop', onchange: (e: Event) => (crop = (e.target as HTMLSelectElement).value) },
                      h('option', { value: '' }, t('diagnose.cropUnknown')),
                      crops.map((c) => h('option', { value: c, selected: c === crop }, cropName(c))),
                    ),
                    h('button', { type: 'button', class: 'primary', 'data-testid': 'run', onclick: () => void run() }, t('diagnose.run')),
                  ]
                : null,
              photos.length < MAX_PHOTOS ? sourceButtons(photos.length === 0) : null,
            ],
    );
    status.textContent = modelStatus;
    // Bring what needs the farmer's answer (a warning, the check button) into reach of the thumb.
    body
      .querySelector<HTMLElement>('[data-testid="quality-warning"], [data-testid="error"], [data-testid="run"]')
      ?.scrollIntoView({ block: 'nearest' });
  }

  render(root, h('h1', {}, t('diagnose.title')), h('p', {}, t('diagnose.intro')), status, cameraBox, body);
  draw();
  // "Works without a network" only once the service worker holds the app, the runtime and the model.
  const offlineReady = () => !('serviceWorker' in navigator) || navigator.serviceWorker.controller !== null;
  let ready = false;
  const showReady = () => {
    if (!ready) return;
    modelStatus = offlineReady() ? t('diagnose.modelReady') : t('diagnose.modelReadySaving');
    status.textContent = modelStatus;
  };
  navigator.serviceWorker?.addEventListener('controllerchange', showReady);
  afterFirstPaint(loadBundle).then(
    (bundle) => {
      crops = bundle.crops;
      ready = true;
      showReady();
      if (!running) draw();
    },
    (caught: unknown) => {
      modelStatus = errorMessage(caught);
      status.textContent = modelStatus;
      // Not a quiet status any more: the farmer cannot diagnose until this is fixed.
      status.className = 'notice bad';
      status.setAttribute('role', 'alert');
      status.dataset.testid = 'model-error';
    },
  );
  return () => {
    navigator.serviceWorker?.removeEventListener('controllerchange', showReady);
    if (running) void cancel(running);
    setBusy(false);
    for (const p of photos) releasePhoto(p);
  };
}
