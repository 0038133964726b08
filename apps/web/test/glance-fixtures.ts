// Stored results for the glance test and the per-language Lighthouse run: a confident late blight and the issue's
// not-sure case, written straight into the app's IndexedDB (no model run needed).
import type { Page } from 'playwright-core';

/** `advice`: the served bundle's advice.json entries. */
export function diagnoses(advice: Record<string, unknown>) {
  const base = { bundleVersion: '2.0.0', elapsedMs: 40, photos: { total: 1, agreeing: 1 } };
  const confident = () => ({
    ...base,
    kind: 'diagnosis',
    crop: 'Tomato',
    disease: 'Tomato___Late_blight',
    probability: 0.93,
    advice: advice.Tomato___Late_blight,
    crops: [{ label: 'Tomato', probability: 0.99 }],
    alternatives: [
      { label: 'Tomato___Late_blight', probability: 0.93 },
      { label: 'Tomato___Early_blight', probability: 0.06 },
      { label: 'Tomato___Leaf_Mold', probability: 0.004 },
    ],
  });
  // The case: the crop was unclear, and the best guess had a high disease probability within that crop.
  const notSure = () => ({
    ...base,
    kind: 'not-sure',
    reason: 'crop-unclear',
    crop: 'Pepper,_bell',
    disease: 'Pepper,_bell___Bacterial_spot',
    probability: 0.98,
    advice: advice['Pepper,_bell___Bacterial_spot'],
    crops: [
      { label: 'Pepper,_bell', probability: 0.41 },
      { label: 'Tomato', probability: 0.38 },
    ],
    alternatives: [{ label: 'Pepper,_bell___Bacterial_spot', probability: 0.98 }],
  });
  return { confident, notSure };
}

export async function seed(page: Page, entries: { id: string; diagnosis: unknown }[]): Promise<void> {
  await page.waitForFunction(async () => (await indexedDB.databases()).some((d) => d.name === 'leafcheck' && d.version === 1));
  await page.evaluate(async (rows) => {
    const canvas = new OffscreenCanvas(64, 64);
    const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
    ctx.fillStyle = '#3a7d2c';
    ctx.fillRect(0, 0, 64, 64);
    ctx.fillStyle = '#5b3a1a';
    ctx.beginPath();
    ctx.arc(28, 30, 10, 0, 7);
    ctx.fill();
    const photo = await canvas.convertToBlob({ type: 'image/jpeg' });
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('leafcheck');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction('history', 'readwrite');
    for (const [i, row] of rows.entries()) {
      const createdAt = new Date(Date.UTC(2026, 11, 3, 9, i)).toISOString();
      tx.objectStore('history').put({ ...row, createdAt, thumbnail: photo, photo });
    }
    await new Promise((resolve) => {
      tx.oncomplete = resolve;
    });
    db.close();
  }, entries);
}
