// One feedback record as the PWA's outbox stores it and POST /v1/feedback receives it.
// Owned by packages/sync: both the client (apps/web) and the server (apps/api) validate with this schema.
// Every free-text field follows the one text policy (text.ts).
import { z } from 'zod';
import { base64Text, wellFormedText } from './text.ts';

const uuidV7 = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'must be a lowercase UUIDv7');

export const labelProbability = z.object({
  label: wellFormedText().min(1).max(200),
  probability: z.number().min(0).max(1),
});

export const feedbackRecord = z.object({
  id: uuidV7,
  deviceId: wellFormedText().min(8).max(100),
  appVersion: wellFormedText().min(1).max(50),
  bundleVersion: wellFormedText().min(1).max(50),
  prediction: z.object({
    kind: z.enum(['diagnosis', 'not-sure']),
    crop: wellFormedText().max(100).optional(),
    /** Top-k diseases with calibrated probabilities, highest first. */
    topK: z.array(labelProbability).min(1).max(10),
  }),
  verdict: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('right') }),
    z.object({ kind: z.literal('wrong'), correctedLabel: wellFormedText().min(1).max(200) }),
    z.object({ kind: z.literal('not-sure') }),
  ]),
  note: wellFormedText().max(2000).optional(),
  /** JPEG, longest side <= 512 px, base64; only with the farmer's consent. */
  photoJpegBase64: base64Text().max(400_000).optional(),
  /** Rounded to 0.1 degree (~11 km); only with the farmer's consent. */
  location: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
  diagnosedAt: z.string().datetime(),
  createdAt: z.string().datetime(),
});

export type FeedbackRecord = z.infer<typeof feedbackRecord>;
