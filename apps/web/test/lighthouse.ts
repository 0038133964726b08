// Lighthouse (mobile preset) against the built app served on loopback, with Debian's Chromium.
// Usage: npx tsx apps/web/test/lighthouse.ts   (builds first; report in test-artifacts/web/lighthouse.json)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '@leafcheck/test-browser';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { ARTIFACTS, buildApp, serveStatic } from './serve.ts';

const dist = await buildApp();
const server = await serveStatic(dist);
const chrome = await launch({ chromePath: CHROMIUM_PATH, chromeFlags: [...CHROMIUM_FLAGS, '--headless=new'] });
try {
  const result = await lighthouse(server.url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices'],
  });
  if (!result) throw new Error('lighthouse returned no result');
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'lighthouse.json'), result.report as string);
  const lhr = result.lhr;
  for (const [id, category] of Object.entries(lhr.categories)) console.log(`${id}: ${Math.round((category.score ?? 0) * 100)}`);
  for (const audit of Object.values(lhr.audits)) {
    if (audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== 'informative')
      console.log(`  - ${audit.id}: ${audit.score} ${audit.displayValue ?? ''}`);
  }
  // The other screens reachable without data: accessibility only (performance is the shell's).
  for (const screen of ['history', 'settings']) {
    const other = await lighthouse(`${server.url}#/${screen}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['accessibility'],
    });
    const score = other?.lhr.categories.accessibility?.score ?? 0;
    console.log(`accessibility #/${screen}: ${Math.round(score * 100)}`);
    for (const audit of Object.values(other?.lhr.audits ?? {})) {
      if (audit.score !== null && audit.score < 1 && audit.scoreDisplayMode === 'binary') console.log(`  - ${audit.id}`);
    }
  }
  console.log(
    `metrics: FCP ${lhr.audits['first-contentful-paint']?.displayValue}, LCP ${lhr.audits['largest-contentful-paint']?.displayValue}, TBT ${lhr.audits['total-blocking-time']?.displayValue}, CLS ${lhr.audits['cumulative-layout-shift']?.displayValue}`,
  );
} finally {
  chrome.kill();
  await server.close();
}
