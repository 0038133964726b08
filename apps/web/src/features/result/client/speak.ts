// The speaker button: reads the answer and the "do now" advice aloud in the farmer's language through the Web
// Speech API. Works offline with the phone's own voices; when the phone has no voice for the language it says so
// plainly instead of reading in another language's voice.
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import { h, liveRegion } from '../../../app/dom.ts';
import { catalogues, formatPercent, language, type MessageKey, t } from '../../../i18n/index.ts';
import { localAdvice } from '../shared/advice.ts';
import { certaintyKey, cropName, diseaseName, percent } from '../shared/words.ts';
import { notSureCrop } from './view.ts';

/** What the voice says: the same words as the screen, never a dataset label. */
export function spokenText(d: Diagnosis): string {
  if (d.kind === 'not-sure') {
    const crop = notSureCrop(d);
    const says = t('result.sayNotSure', {
      why: t(`result.notSure.${d.reason}` as MessageKey),
      next: t(`result.notSure.${d.reason}.next` as MessageKey),
    });
    return crop ? `${cropName(crop)}. ${says}` : says;
  }
  const sure = t('result.saySure', { certainty: t(certaintyKey(d.probability)), percent: formatPercent(percent(d.probability)) });
  const parts = [`${cropName(d.crop)}: ${diseaseName(d.disease)}.`, sure];
  const advice = d.advice ? localAdvice(d.disease, d.advice) : null;
  // Advice lines only when they are in the chosen language: an English line in a Kiswahili voice helps nobody.
  if (advice && advice.lang === language() && advice.actions.length) parts.push(`${t('result.actions')}:`, ...advice.actions);
  return parts.join(' ');
}

/** A voice for the language (exact region first, then any region), after the list has loaded. */
async function voiceFor(lang: string): Promise<SpeechSynthesisVoice | undefined> {
  const synth = window.speechSynthesis;
  let voices = synth.getVoices();
  if (voices.length === 0) {
    // Chromium fills the list asynchronously; a phone without voices never fires the event.
    await new Promise<void>((resolve) => {
      const done = () => resolve();
      synth.addEventListener('voiceschanged', done, { once: true });
      setTimeout(done, 1500);
    });
    voices = synth.getVoices();
  }
  const primary = (v: SpeechSynthesisVoice) => v.lang.toLowerCase().split(/[-_]/)[0];
  return voices.find((v) => v.lang.toLowerCase() === lang) ?? voices.find((v) => primary(v) === lang);
}

export function speakerButton(d: Diagnosis): HTMLElement {
  const status = liveRegion('status small');
  const button = h('button', { type: 'button', class: 'speaker', 'data-testid': 'speak', 'aria-pressed': 'false' }, t('result.speak'));
  const setSpeaking = (on: boolean) => {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = t(on ? 'result.speakStop' : 'result.speak');
  };
  button.addEventListener('click', async () => {
    if (!('speechSynthesis' in window)) {
      status.textContent = t('result.noSpeech');
      return;
    }
    const synth = window.speechSynthesis;
    if (button.getAttribute('aria-pressed') === 'true') {
      synth.cancel();
      setSpeaking(false);
      return;
    }
    const lang = language();
    const voice = await voiceFor(lang);
    if (!voice) {
      status.textContent = t('result.noVoice', { language: catalogues[lang]?.name ?? lang });
      return;
    }
    status.textContent = '';
    const utterance = new SpeechSynthesisUtterance(spokenText(d));
    utterance.lang = voice.lang;
    utterance.voice = voice;
    utterance.rate = 0.9; // a little slower than default: read to someone in a field
    utterance.onend = () => setSpeaking(false);
    utterance.onerror = () => setSpeaking(false);
    synth.cancel();
    synth.speak(utterance);
    setSpeaking(true);
  });
  return h('div', { class: 'speak' }, button, status);
}
