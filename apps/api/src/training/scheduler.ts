// The retrain scheduler (off by default; LEAFCHECK_RETRAIN_SCHEDULE turns it on): every interval it evaluates the
// retrain decision for the served bundle and, when it fires, starts a head-only run, within a budget: at most
// `maxRunsPerWeek` runs in the last 7 days and at most `maxCostPerMonthUsd` estimated cost in the last 30 days
// (the next run counted at the mean cost of the earlier head runs). Every tick's outcome is logged and returned.
import type { RunStore } from '../db/run-store.ts';
import type { TrainingRuns } from './runs.ts';

export interface SchedulerBudget {
  maxRunsPerWeek: number;
  maxCostPerMonthUsd: number;
}

export interface SchedulerDeps {
  /** Whether to retrain now, and why (the same decision GET /v1/retrain/decision gives). */
  decide: () => Promise<{ retrain: boolean; triggers: Array<{ rule: string; reason: string }> } | null>;
  runs: TrainingRuns;
  store: RunStore;
  budget: SchedulerBudget;
  now: () => Date;
  log?: (line: string) => void;
}

export type TickOutcome = { action: 'started'; runId: string; reasons: string[] } | { action: 'skipped'; reason: string };

const DAY = 24 * 3600 * 1000;

/** "30m", "6h", "1d": the interval between ticks in milliseconds. */
export function parseSchedule(spec: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(m|h|d)$/.exec(spec.trim());
  if (!match) throw new Error(`LEAFCHECK_RETRAIN_SCHEDULE must be an interval like 30m, 6h or 1d, got ${JSON.stringify(spec)}`);
  const ms = Number(match[1]) * { m: 60_000, h: 3_600_000, d: DAY }[match[2] as 'm' | 'h' | 'd'];
  if (ms < 60_000) throw new Error('LEAFCHECK_RETRAIN_SCHEDULE must be at least 1m');
  return ms;
}

export function retrainScheduler(deps: SchedulerDeps) {
  const log = deps.log ?? ((line: string) => console.log(`retrain scheduler: ${line}`));

  async function tick(): Promise<TickOutcome> {
    const skip = (reason: string): TickOutcome => {
      log(`skipped: ${reason}`);
      return { action: 'skipped', reason };
    };
    const decision = await deps.decide();
    if (decision === null) return skip('no served bundle to judge');
    if (!decision.retrain) return skip('the retrain decision did not fire');
    const now = deps.now().getTime();
    const recent = (await deps.store.list(500)).filter((r) => now - Date.parse(r.startedAt) < 30 * DAY);
    if (recent.some((r) => r.state === 'running')) return skip('a run is already running');
    const week = recent.filter((r) => now - Date.parse(r.startedAt) < 7 * DAY).length;
    if (week >= deps.budget.maxRunsPerWeek) return skip(`budget: ${week} runs in the last 7 days (max ${deps.budget.maxRunsPerWeek})`);
    const spent = recent.reduce((sum, r) => sum + (r.usage?.estimatedCostUsd ?? 0), 0);
    const heads = recent.filter((r) => r.kind === 'head' && r.usage !== null);
    const next = heads.length > 0 ? heads.reduce((sum, r) => sum + (r.usage?.estimatedCostUsd ?? 0), 0) / heads.length : 0;
    if (spent + next > deps.budget.maxCostPerMonthUsd)
      return skip(
        `budget: $${spent.toFixed(2)} spent in 30 days + $${next.toFixed(2)} for the next run > $${deps.budget.maxCostPerMonthUsd}`,
      );
    const run = await deps.runs.start('scheduler', 'head');
    const reasons = decision.triggers.map((t) => `${t.rule}: ${t.reason}`);
    log(`started head run ${run.id} (${reasons.join('; ')})`);
    return { action: 'started', runId: run.id, reasons };
  }

  return {
    tick,
    /** Ticks every `intervalMs` until the returned function is called; a failing tick is logged, not fatal. */
    start(intervalMs: number): () => void {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        tick()
          .catch((error: unknown) => log(`tick failed: ${(error as Error).message}`))
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
