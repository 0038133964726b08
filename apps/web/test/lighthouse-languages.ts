// Lighthouse accessibility in each language: Chromium started with that language (--lang, --accept-lang), so the app
// picks it from navigator.languages; the result screens from results stored in the profile first. Usage: npx tsx apps/web/test/lighthouse-languages.ts (builds first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '@leafcheck/test-browser';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { chromium } from 'playwright-core';
import { diagnoses, seed } from './glance-fixtures.ts';
import { buildApp, serveStatic, WEB_ROOT } from './serve.ts';

const dist = await buildApp(join(WEB_ROOT, 'node_modules/.lighthouse-languages-dist'));
const server = await serveStatic(dist);
const advice = JSON.parse(readFileSync(join(dist, 'bundles/default/advice.json'), 'utf8')).entries as Record<string, unknown>;
const { confident, notSure } = diagnoses(advice);
try {
  for (const lang of ['en', 'sw', 'fr', 'es', 'pt', 'hi']) {
    const chrome = await launch({
      chromePath: CHROMIUM_PATH,
      chromeFlags: [...CHROMIUM_FLAGS, '--headless=new', `--lang=${lang}`, `--accept-lang=${lang}`],
    });
    try {
      // A confident and a not-sure result stored in this profile first (Lighthouse then keeps storage).
      const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
      const page = await (cdp.contexts()[0] ?? (await cdp.newContext())).newPage();
      await page.goto(`${server.url}#/history`);
      await seed(page, [
        { id: 'glance-sure', diagnosis: confident() },
        { id: 'glance-unsure', diagnosis: notSure() },
      ]);
      await page.close();
      for (const screen of ['diagnose', 'history', 'settings', 'result/glance-sure', 'result/glance-unsure']) {
        const run = await lighthouse(`${server.url}#/${screen}`, {
          port: chrome.port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: ['accessibility'],
          disableStorageReset: true,
        });
        const score = Math.round((run?.lhr.categories.accessibility?.score ?? 0) * 100);
        const failed = Object.values(run?.lhr.audits ?? {})
          .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === 'binary')
          .map((a) => a.id);
        const htmlLang = run?.lhr.audits['html-has-lang']?.score === 1 ? 'lang set' : 'lang missing';
        console.log(`${lang} #/${screen}: accessibility ${score} (${htmlLang})${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
      }
      // The stored results are still in the profile Lighthouse used (its storage reset is off), so it audited them.
      const check = await (cdp.contexts()[0] ?? (await cdp.newContext())).newPage();
      await check.goto(`${server.url}#/result/glance-unsure`);
      await check.getByTestId('not-sure').waitFor({ timeout: 15_000 });
      console.log(`${lang}: stored results present after the runs`);
      await cdp.close();
    } finally {
      chrome.kill();
    }
  }
} finally {
  await server.close();
}
