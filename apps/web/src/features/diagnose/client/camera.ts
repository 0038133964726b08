// Live camera view where getUserMedia exists; the file input with `capture` is the fallback everywhere.
import { h } from '../../../app/dom.ts';
import { t } from '../../../i18n/index.ts';

export function hasLiveCamera(): boolean {
  return typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** Opens the rear camera in `container`; resolves with a JPEG of the frame, or null when closed. */
export async function openCamera(container: HTMLElement): Promise<Blob | null> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 960 } },
    audio: false,
  });
  const video = h('video', { playsinline: true, muted: true, autoplay: true, 'aria-label': t('diagnose.liveCamera') });
  video.srcObject = stream;
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    container.replaceChildren();
  };
  return new Promise((resolve) => {
    const capture = h('button', { type: 'button', class: 'primary' }, t('diagnose.capture'));
    const close = h('button', { type: 'button' }, t('diagnose.closeCamera'));
    capture.addEventListener('click', () => {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext('2d')?.drawImage(video, 0, 0);
      canvas.toBlob(
        (blob) => {
          stop();
          resolve(blob);
        },
        'image/jpeg',
        0.92,
      );
    });
    close.addEventListener('click', () => {
      stop();
      resolve(null);
    });
    container.replaceChildren(h('div', { class: 'camera' }, video, capture, close));
    void video.play().catch(() => undefined);
  });
}
