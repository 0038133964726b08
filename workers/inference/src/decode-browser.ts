// Decoding in the worker: createImageBitmap (off the main thread, downscaled while decoding where
// the browser can) and an OffscreenCanvas to read the pixels.
import { BROWSER_MAX_PIXELS, DiagnosisError, type ImageDecoder, type ImageFormat, jpegDecodeScale } from '@leafcheck/diagnosis';

// The pixel limit is the page's too (packages/diagnosis/src/limits.ts); re-exported for existing importers.
export { BROWSER_MAX_PIXELS };

const MIME: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp' };

// 2x1 JPEG (red, blue) with EXIF orientation 6: upright it is 1x2.
const ORIENTATION_PROBE =
  '/9j/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/wAARCAABAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAj/xAAbEAEAAAcAAAAAAAAAAAAAAAAAAQMFBjV0sv/EABUBAQEAAAAAAAAAAAAAAAAAAAUJ/8QAGxEAAAcBAAAAAAAAAAAAAAAAAAECBAU1c7L/2gAMAwEAAhEDEQA/AIHuHP1LZm9xAU2galpmjkgBNWbrRfRj/9k=';

const bitmapOptions: ImageBitmapOptions = {
  // The pipeline turns photos upright from EXIF itself (same code as Node); ask the browser not to.
  imageOrientation: 'none' as ImageOrientation,
  // Colour-managed to sRGB as sharp does in Node (CMYK JPEGs carry a CMYK profile; phone photos
  // may be Display P3). The training photos have no profile, so this changes nothing for them.
  colorSpaceConversion: 'default',
  premultiplyAlpha: 'none',
};

/**
 * Older engines ignore imageOrientation "none" and rotate anyway. Decode a 2x1 probe tagged
 * "rotate 90": if it comes back 1x2 the browser already rotated, and the pipeline must not rotate twice.
 */
async function browserRotates(): Promise<boolean> {
  const bytes = Uint8Array.from(atob(ORIENTATION_PROBE), (c) => c.charCodeAt(0));
  const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), bitmapOptions);
  const rotated = bmp.width === 1;
  bmp.close();
  return rotated;
}

export async function createBrowserDecoder(): Promise<ImageDecoder> {
  const appliesExifOrientation = await browserRotates();
  return {
    maxPixels: BROWSER_MAX_PIXELS,
    appliesExifOrientation,
    async decode(bytes, { header, minShortSide }) {
      const f = header.format === 'jpeg' ? jpegDecodeScale(header.width, header.height, minShortSide) : 1;
      const options: ImageBitmapOptions =
        f > 1
          ? {
              ...bitmapOptions,
              resizeWidth: Math.ceil(header.width / f),
              resizeHeight: Math.ceil(header.height / f),
              resizeQuality: 'medium',
            }
          : bitmapOptions;
      let bmp: ImageBitmap;
      try {
        bmp = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: MIME[header.format] }), options);
      } catch (err) {
        throw new DiagnosisError(
          'IMAGE_UNREADABLE',
          `the browser could not decode this ${header.format}: ${(err as Error).message}`,
          'Take the photo again.',
        );
      }
      try {
        const canvas = new OffscreenCanvas(bmp.width, bmp.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        if (!ctx) throw new DiagnosisError('IMAGE_UNREADABLE', 'no 2D canvas in this worker');
        // Transparent pixels come back composited on white, as toRgb() does for Node: a canvas
        // stores premultiplied alpha, so reading straight RGBA back would lose precision.
        ctx.fillStyle = '#fff';
        ctx.fillRect(0, 0, bmp.width, bmp.height);
        ctx.drawImage(bmp, 0, 0);
        const { data, width, height } = ctx.getImageData(0, 0, bmp.width, bmp.height);
        return { width, height, channels: 4, data };
      } finally {
        bmp.close();
      }
    },
  };
}
