// Photo-quality check run before diagnosing. Pure: takes RGBA pixels of the photo scaled so its longest
// side is <= 256 px (the browser does the scaling) and the photo's original size.
// Thresholds were set on ../shared/data (PlantVillage + iBean): the 1st percentile of real photos passes,
// and the same photos with a 2 px Gaussian blur fail (Laplacian variance 57 vs 8 at the 95th percentile).

export type QualityIssue = 'small' | 'dark' | 'bright' | 'blurred' | 'noLeaf';

export interface Pixels {
  width: number;
  height: number;
  /** RGBA, row-major, width * height * 4 bytes. */
  data: Uint8ClampedArray | Uint8Array;
}

export interface QualityReport {
  issues: QualityIssue[];
  luminance: number;
  sharpness: number;
  leafFraction: number;
}

export const QUALITY_LIMITS = {
  minSide: 160,
  minLuminance: 45,
  maxLuminance: 215,
  minSharpness: 30,
  minLeafFraction: 0.08,
  /** The check runs on a copy scaled to this longest side. */
  analysisSide: 256,
} as const;

/** Hue 20..170 degrees (yellow through green) with some colour: leaf tissue, healthy or yellowing. */
function isLeafColour(r: number, g: number, b: number): boolean {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  if (max <= 40 || (max - min) / max <= 0.18) return false;
  const d = max - min;
  let hue: number;
  if (max === r) hue = (((g - b) / d) % 6) * 60;
  else if (max === g) hue = ((b - r) / d + 2) * 60;
  else hue = ((r - g) / d + 4) * 60;
  if (hue < 0) hue += 360;
  return hue >= 20 && hue <= 170;
}

export function checkQuality(pixels: Pixels, original: { width: number; height: number }): QualityReport {
  const { width, height, data } = pixels;
  if (width < 3 || height < 3 || data.length < width * height * 4) {
    throw new RangeError(`need at least 3x3 RGBA pixels, got ${width}x${height} with ${data.length} bytes`);
  }
  const luma = new Float32Array(width * height);
  let sum = 0;
  let leaf = 0;
  for (let i = 0; i < width * height; i++) {
    const r = data[i * 4] ?? 0;
    const g = data[i * 4 + 1] ?? 0;
    const b = data[i * 4 + 2] ?? 0;
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    luma[i] = y;
    sum += y;
    if (isLeafColour(r, g, b)) leaf++;
  }
  // Variance of the 4-neighbour Laplacian: low when edges are soft, i.e. out of focus or shaken.
  let lapSum = 0;
  let lapSq = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = (luma[i - 1] ?? 0) + (luma[i + 1] ?? 0) + (luma[i - width] ?? 0) + (luma[i + width] ?? 0) - 4 * (luma[i] ?? 0);
      lapSum += v;
      lapSq += v * v;
      n++;
    }
  }
  const luminance = sum / (width * height);
  const sharpness = lapSq / n - (lapSum / n) ** 2;
  const leafFraction = leaf / (width * height);
  const L = QUALITY_LIMITS;
  const issues: QualityIssue[] = [];
  if (Math.min(original.width, original.height) < L.minSide) issues.push('small');
  if (luminance < L.minLuminance) issues.push('dark');
  else if (luminance > L.maxLuminance) issues.push('bright');
  // A very dark photo has no edges either; "too dark" is the useful advice then.
  if (sharpness < L.minSharpness && !issues.includes('dark')) issues.push('blurred');
  if (leafFraction < L.minLeafFraction && !issues.includes('dark')) issues.push('noLeaf');
  return { issues, luminance, sharpness, leafFraction };
}
