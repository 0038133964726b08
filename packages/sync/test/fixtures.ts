// Valid records for tests: UUIDv7 ids built from a counter so runs are reproducible.
import type { FeedbackRecord } from '../src/feedback-record.ts';

export function uuidV7(n: number): string {
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  const rand = (n * 2654435761).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${rand}`;
}

export function makeRecord(n: number, overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
  return {
    id: uuidV7(n),
    deviceId: 'device-0001',
    appVersion: '0.1.0',
    bundleVersion: '1.0.0',
    prediction: { kind: 'diagnosis', crop: 'Tomato', topK: [{ label: 'Tomato___Late_blight', probability: 0.9 }] },
    verdict: { kind: 'right' },
    diagnosedAt: '2026-11-29T10:00:00.000Z',
    createdAt: '2026-11-29T10:00:01.000Z',
    ...overrides,
  };
}

export { MemoryOutbox } from './memory.ts';
