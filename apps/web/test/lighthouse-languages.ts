// Lighthouse accessibility in each language: Chromium started with that language (--lang, --accept-lang), so the app
// picks it from navigator.languages. Usage: npx tsx apps/web/test/lighthouse-languages.ts (builds first).
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '@leafcheck/test-browser';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { buildApp, serveStatic, WEB_ROOT } from './serve.ts';

const dist = await buildApp(join(WEB_ROOT, 'node_modules/.lighthouse-languages-dist'));
const server = await serveStatic(dist);
try {
  for (const lang of ['en', 'sw', 'fr', 'es', 'pt', 'hi']) {
    const chrome = await launch({
      chromePath: CHROMIUM_PATH,
      chromeFlags: [...CHROMIUM_FLAGS, '--headless=new', `--lang=${lang}`, `--accept-lang=${lang}`],
    });
    try {
      for (const screen of ['diagnose', 'history', 'settings']) {
        const run = await lighthouse(`${server.url}#/${screen}`, {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: ['accessibility'],
        });
        const score = Math.round((run?.lhr.categories.accessibility?.score ?? 0) * 100);
        const failed = Object.values(run?.lhr.audits ?? {})
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
          .map((a) => a.id);
        const htmlLang = run?.lhr.audits['html-has-lang']?.score === 1 ? 'lang set' : 'lang missing';
        console.log(`${lang} #/${screen}: accessibility ${score} (${htmlLang})${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
      }
    } finally {
      chrome.kill();
    }
  }
} finally {
  await server.close();
}
