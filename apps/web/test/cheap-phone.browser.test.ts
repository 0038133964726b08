// A cheap phone: 360x640, the CPU slowed 4x (page and, where Chromium allows it, the inference worker) and a small
// JavaScript heap. A farmer's diagnosis through the real UI keeps the page responsive (no main-thread long task of
// 200 ms or more while a photo is added, checked, diagnosed and its result drawn), and five diagnoses in a row
// leave the worker's memory where the first one left it (JS heap after a forced GC, and onnxruntime's WASM memory).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launchChromium, PHONE_VIEWPORT } from '@leafcheck/test-browser';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { diagnosePhoto, expect, shot, visible } from './browser.ts';
import { fixtureTrustKey, leafPhoto } from './photos.ts';
import { ARTIFACTS, buildApp, type StaticServer, serveStatic } from './serve.ts';

/** The acceptance line of issue #13 ("stays responsive"): no main-thread task this long during a diagnosis. */
const MAX_LONG_TASK_MS = 200;
const CPU_SLOWDOWN = 4;
/**
 * The memory budget. The app does not read navigator.deviceMemory (nothing in it adapts to it), so emulating a
 * 1 GB phone there would change nothing; what does bind is the V8 heap limit. Chromium on a 512 MB-1 GB Android
 * phone gets an old-space limit of about a quarter of RAM; 128 MB is the 512 MB end, for every isolate (the page
 * and the worker): a page or worker that needs more dies with an out-of-memory crash and the test fails.
 * onnxruntime's WASM memory is not V8 heap; it is measured on its own below.
 */
const HEAP_LIMIT_MB = 128;
const DIAGNOSES = 5;
/**
 * Worker JS heap growth allowed from diagnosis 1 to 5, after a forced GC. Measured growth is well under 1 MB
 * (README, "Cheap phones"); one leaked 256x256 RGBA decode is 256 KB of ArrayBuffer and a leaked photo's bytes are
 * ~20 KB, so 4 leaked diagnoses of either kind (or of the heatmap maps) would show above this.
 */
const MAX_HEAP_GROWTH_BYTES = 1024 * 1024;

/** Renderer RSS growth allowed from diagnosis 1 to 5 (set from measured values, README "Cheap phones"). */
const MAX_RSS_GROWTH_BYTES = 32 * 1024 * 1024;

let server: StaticServer;
let browser: Browser;
let page: Page;
let bundleDir: string;
let trustKey: string | undefined;

const MB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/**
 * A CDP session on the page's dedicated worker. playwright-core hands out CDP sessions for pages only, so this one
 * auto-attaches from the page's session and talks to the worker through Target.sendMessageToTarget (not flattened).
 */
interface WorkerSession {
  url: string;
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
}

async function attachWorker(cdp: CDPSession, urlPart: RegExp): Promise<WorkerSession> {
  let nextId = 0;
  const pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  const found = new Promise<WorkerSession>((resolve) => {
    cdp.on('Target.attachedToTarget', (event) => {
      const { sessionId, targetInfo } = event as { sessionId: string; targetInfo: { type: string; url: string } };
      if (targetInfo.type !== 'worker' || !urlPart.test(targetInfo.url)) return;
      resolve({
        url: targetInfo.url,
        send<T>(method: string, params: Record<string, unknown> = {}) {
          const id = ++nextId;
          const reply = new Promise<T>((ok, fail) => pending.set(id, { ok: ok as (v: unknown) => void, fail }));
          void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
          return reply;
        },
      });
    });
  });
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    const msg = JSON.parse((event as { message: string }).message) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter || msg.id === undefined) return;
    pending.delete(msg.id);
    if (msg.error) waiter.fail(new Error(msg.error.message));
    else waiter.ok(msg.result);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return Promise.race([
    found,
    new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`no worker matching ${urlPart} attached`)), 30_000)),
  ]);
}

interface WorkerMemory {
  /** V8 heap in use after a full GC. */
  heapUsed: number;
  /** ArrayBuffer backing stores (decoded pixels, photo bytes, outputs copied out of WASM), when Chromium reports it. */
  backingStore: number | undefined;
  /**
   * Resident memory of the renderer that runs the page and the worker. onnxruntime's WebAssembly.Memory is there and
   * nowhere in the V8 numbers; it can grow but never shrink, so a per-diagnosis WASM leak shows up here.
   * (Runtime.queryObjects would find the Memory object itself, but it crashes a worker's renderer in Chromium 156.)
   */
  rendererRss: number;
}

/** Renderer process ids, from Chromium itself. */
async function rendererPids(browserCdp: CDPSession): Promise<number[]> {
  const { processInfo } = (await browserCdp.send('SystemInfo.getProcessInfo' as never)) as { processInfo: { type: string; id: number }[] };
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}

async function workerMemory(worker: WorkerSession, pageCdp: CDPSession, browserCdp: CDPSession): Promise<WorkerMemory> {
  for (let i = 0; i < 2; i++) {
    await worker.send('HeapProfiler.collectGarbage');
    await pageCdp.send('HeapProfiler.collectGarbage');
  }
  const usage = await worker.send<{ usedSize: number; backingStorageSize?: number }>('Runtime.getHeapUsage');
  let rendererRss = 0;
  for (const pid of await rendererPids(browserCdp)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      rendererRss = Math.max(rendererRss, Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // a renderer that has exited
    }
  }
  return { heapUsed: usage.usedSize, backingStore: usage.backingStorageSize, rendererRss };
}

/** Runs before the app's own scripts: collects every main-thread long task, and when Check was pressed. */
function observeLongTasks(): void {
  const w = window as unknown as { __longTasks: { start: number; duration: number }[]; __checks: number[] };
  w.__longTasks = [];
  w.__checks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  // Long animation frames say which script ran: what to fix when a long task shows up.
  (w as unknown as { __loaf: unknown[] }).__loaf = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as unknown as {
      startTime: number;
      duration: number;
      scripts: { invoker: string; sourceURL: string; sourceFunctionName: string; duration: number; forcedStyleAndLayoutDuration: number }[];
    }[]) {
      (w as unknown as { __loaf: unknown[] }).__loaf.push({
        start: Math.round(e.startTime),
        duration: Math.round(e.duration),
        scripts: e.scripts.map(
          (x) =>
            `${x.invoker} ${x.sourceFunctionName}@${x.sourceURL.split('/').pop()} ${Math.round(x.duration)}ms layout ${Math.round(x.forcedStyleAndLayoutDuration)}ms`,
        ),
      });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
  document.addEventListener(
    'click',
    (e) => {
      if ((e.target as Element | null)?.closest?.('[data-testid="run"]')) w.__checks.push(performance.now());
    },
    true,
  );
}

type LongTask = { start: number; duration: number };
const longTasksSince = (p: Page, since: number): Promise<LongTask[]> =>
  p.evaluate((t) => (window as unknown as { __longTasks: LongTask[] }).__longTasks.filter((e) => e.start + e.duration > t), since);
const now = (p: Page): Promise<number> => p.evaluate(() => performance.now());
const lastCheck = (p: Page): Promise<number> =>
  p.evaluate(() => (window as unknown as { __checks: number[] }).__checks.at(-1) ?? Number.NaN);

beforeAll(async () => {
  const dist = await buildApp(join(ARTIFACTS, 'cheap-phone-dist'));
  bundleDir = join(dist, 'bundles/default');
  trustKey = fixtureTrustKey(bundleDir);
  server = await serveStatic(dist);
  browser = await launchChromium({ args: [`--js-flags=--max-old-space-size=${HEAP_LIMIT_MB}`] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('on a cheap phone (4x slower CPU, 128 MB JS heap, 360x640)', () => {
  it('diagnoses end to end with no main-thread task over 200 ms, and five diagnoses leave the worker memory as one did', {
    timeout: 600_000,
  }, async () => {
    const leaf = await leafPhoto(bundleDir, trustKey);
    // Four more photos of the same class (same size), as a farmer checking several plants would take.
    const folder = dirname(leaf.file);
    const others = readdirSync(folder)
      .filter((f) => f.toLowerCase().endsWith('.jpg') && join(folder, f) !== leaf.file)
      .sort()
      .slice(0, DIAGNOSES - 1)
      .map((f) => join(folder, f));
    const photos = [leaf.file, ...others];

    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await context.addInitScript(observeLongTasks);
    // Throttled before the app starts, so the first visit (parse, model load) runs on the slow CPU as well.
    page = await context.newPage();
    page.on('pageerror', (e) => console.error('pageerror:', e.message));
    const cdp = await context.newCDPSession(page);
    const browserCdp = await browser.newBrowserCDPSession();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    const attached = attachWorker(cdp, /worker/i);
    const loadStart = Date.now();
    await page.goto(server.url);
    const worker = await attached;
    // Chromium throttles a dedicated worker only when asked on the worker's own session; say so if it cannot.
    const workerThrottled = await worker
      .send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
      .then(() => true)
      .catch((e: Error) => {
        console.log(`worker CPU throttling unavailable: ${e.message}`);
        return false;
      });
    await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, { timeout: 120_000 });
    await visible(page.getByText('Ready. Works without a network.'), 120_000); // modelReady(), with a slow-CPU timeout
    const loadMs = Date.now() - loadStart;
    // Page load is reported, not judged: the line is responsiveness during a diagnosis, and the first
    // visit's script parse belongs to the load budget (Lighthouse TBT, README).
    const loadTasks = await longTasksSince(page, 0);

    const memory: WorkerMemory[] = [await workerMemory(worker, cdp, browserCdp)];
    const runs: { ms: number; checkToResultMs: number; tasks: LongTask[] }[] = [];
    for (const [i, photo] of photos.entries()) {
      const since = await now(page);
      const t0 = Date.now();
      await diagnosePhoto(page, photo);
      await visible(page.getByTestId('disease').or(page.getByTestId('not-sure')), 30_000);
      const ms = Date.now() - t0;
      const resultAt = await now(page);
      if (i === 0) {
        expect(await page.getByTestId('disease').getAttribute('data-label')).toBe(leaf.label);
        await shot(page, 'cheap-phone-result');
      }
      // Let whatever the result screen started (history save, images) finish before reading the tasks.
      await page.waitForTimeout(1_000);
      runs.push({ ms, checkToResultMs: resultAt - (await lastCheck(page)), tasks: await longTasksSince(page, since) });
      memory.push(await workerMemory(worker, cdp, browserCdp));
    }

    const all = runs.flatMap((r) => r.tasks);
    const longest = Math.max(0, ...all.map((t) => t.duration));
    const fmt = (tasks: LongTask[]) => `${tasks.length} (longest ${Math.round(Math.max(0, ...tasks.map((t) => t.duration)))} ms)`;
    console.log(
      [
        `cheap phone: CPU ${CPU_SLOWDOWN}x slower (page; worker ${workerThrottled ? 'too' : 'NOT throttled'}), JS heap limit ${HEAP_LIMIT_MB} MB, 360x640`,
        `first visit to model ready: ${loadMs} ms, main-thread long tasks during load: ${fmt(loadTasks)}`,
        ...runs.map(
          (r, i) =>
            `diagnosis ${i + 1}: photo to result ${r.ms} ms (Check to result ${Math.round(r.checkToResultMs)} ms), long tasks ${fmt(r.tasks)}; ` +
            `worker heap ${MB(memory[i + 1]?.heapUsed ?? 0)}, backing stores ${MB(memory[i + 1]?.backingStore ?? 0)}, renderer RSS ${MB(memory[i + 1]?.rendererRss ?? 0)}`,
        ),
        `worker before the first diagnosis: heap ${MB(memory[0]?.heapUsed ?? 0)}, backing stores ${MB(memory[0]?.backingStore ?? 0)}, renderer RSS ${MB(memory[0]?.rendererRss ?? 0)}`,
        `all ${DIAGNOSES} diagnoses: ${all.length} long tasks, longest ${Math.round(longest)} ms (limit ${MAX_LONG_TASK_MS} ms); durations ${all.map((t) => Math.round(t.duration)).join(', ')}`,
      ].join('\n'),
    );

    if (longest >= MAX_LONG_TASK_MS) {
      const loaf = await page.evaluate(() =>
        (window as unknown as { __loaf: { duration: number }[] }).__loaf.filter((f) => f.duration > 150),
      );
      console.log(`long animation frames over 150 ms: ${JSON.stringify(loaf, null, 1)}`);
      console.log(`long tasks: ${JSON.stringify(runs.map((r) => r.tasks))}`);
    }
    expect(longest, 'longest main-thread task during the diagnoses').toBeLessThan(MAX_LONG_TASK_MS);
    const first = memory[1] as WorkerMemory;
    const last = memory[DIAGNOSES] as WorkerMemory;
    expect(last.heapUsed - first.heapUsed, 'worker JS heap growth from diagnosis 1 to 5').toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    if (first.backingStore !== undefined && last.backingStore !== undefined) {
      expect(last.backingStore - first.backingStore, 'worker ArrayBuffer growth from diagnosis 1 to 5').toBeLessThan(MAX_HEAP_GROWTH_BYTES);
    }
    // onnxruntime's WASM memory never shrinks: growing per diagnosis would show as resident memory growing.
    expect(last.rendererRss - first.rendererRss, 'renderer RSS growth from diagnosis 1 to 5').toBeLessThan(MAX_RSS_GROWTH_BYTES);
    await context.close();
  });
});
