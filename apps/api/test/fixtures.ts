// Records and a real (tiny) JPEG for the API tests.
import type { FeedbackRecord } from '@leafcheck/sync';

export function uuidV7(n: number): string {
  const hex = n.toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7abc-9def-${(n * 7919).toString(16).padStart(12, '0').slice(-12)}`;
}

/** An 8x6 baseline JPEG made with Pillow (Image.new('RGB', (8, 6)).save(..., 'JPEG')): a real file. */
export const TINY_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAGAAgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDm6KKK8U+OP//Z';

export function record(n: number, overrides: Partial<FeedbackRecord> = {}): FeedbackRecord {
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

/** The same JPEG with its frame header claiming another size (the size check reads only headers). */
export function jpegClaiming(width: number, height: number): string {
  const bytes = Buffer.from(TINY_JPEG_BASE64, 'base64');
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  bytes.writeUInt16BE(height, sof + 5);
  bytes.writeUInt16BE(width, sof + 7);
  return bytes.toString('base64');
}
