// The one text policy at the API boundary: every string a client sends is well-formed Unicode with no
// control characters but tab and line breaks, so what is stored is exactly what was acknowledged.
// A lone surrogate would be turned into U+FFFD by SQLite, PostgreSQL and every UTF-8 encoder, and PostgreSQL
// refuses U+0000 outright; refusing both here gives the client a clear error naming the field instead.
import { z } from 'zod';

/** Why `s` is not acceptable text, or null when it is. */
export function textProblem(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `contains a lone surrogate (U+${hex(unit)} at ${i}): send well-formed Unicode text`;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return `contains a lone surrogate (U+${hex(unit)} at ${i}): send well-formed Unicode text`;
    if ((unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0d) || unit === 0x7f) {
      return `contains the control character U+${hex(unit)} at ${i}`;
    }
  }
  return null;
}

function hex(unit: number): string {
  return unit.toString(16).toUpperCase().padStart(4, '0');
}

/** A string schema holding the text policy; chain `.min()` / `.max()` / `.regex()` as on `z.string()`. */
export function wellFormedText() {
  return z.string().check((ctx) => {
    const problem = textProblem(ctx.value);
    if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}

/** Standard base64 (what the PWA's FileReader / btoa produce); Node's decoder would silently skip anything else. */
export function base64Text() {
  return z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64 (A-Z a-z 0-9 + / and = padding only)');
}
