// Builds the feedback record the outbox stores and the API receives, from a stored diagnosis and
// the farmer's answer. Photo and location are included only when the farmer switched them on.
import type { Diagnosis } from '@leafcheck/diagnosis/types';
import { type FeedbackRecord, feedbackRecord } from '@leafcheck/sync';

export interface FeedbackInput {
  id: string;
  deviceId: string;
  appVersion: string;
  diagnosis: Diagnosis;
  diagnosedAt: string;
  verdict: FeedbackRecord['verdict'];
  note?: string;
  /** Present only with consent: JPEG <= 512 px, base64. */
  photoJpegBase64?: string;
  /** Present only with consent: raw position, rounded here. */
  position?: { lat: number; lon: number };
  now: Date;
}

/** Rounds to 0.1 degree (about 11 km) so no field can be found from it. */
export function coarseLocation(position: { lat: number; lon: number }): { lat: number; lon: number } {
  return { lat: Math.round(position.lat * 10) / 10, lon: Math.round(position.lon * 10) / 10 };
}

export function buildFeedbackRecord(input: FeedbackInput): FeedbackRecord {
  const d = input.diagnosis;
  // Not-a-leaf answers have no disease alternatives: the crop model's answer is then the prediction.
  const topK = (d.alternatives.length ? d.alternatives : d.crops).slice(0, 5);
  const note = input.note?.trim();
  const candidate = {
    id: input.id,
    deviceId: input.deviceId,
    appVersion: input.appVersion,
    bundleVersion: d.bundleVersion,
    prediction: { kind: d.kind, ...((d.crop ?? d.chosenCrop) ? { crop: d.crop ?? d.chosenCrop } : {}), topK },
    verdict: input.verdict,
    ...(note ? { note } : {}),
    ...(input.photoJpegBase64 ? { photoJpegBase64: input.photoJpegBase64 } : {}),
    ...(input.position ? { location: coarseLocation(input.position) } : {}),
    diagnosedAt: input.diagnosedAt,
    createdAt: input.now.toISOString(),
  };
  // Validate here, where the farmer still sees the form, rather than have the server reject it later.
  return feedbackRecord.parse(candidate);
}
