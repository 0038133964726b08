// Channels and staged rollout, the part the API and the phone must agree on: which bundle a device runs.
// The API serves a channel's state; the device's cohort is a stable hash of its id, so the same phones are in
// the first 10% of every rollout (they opted into being early by being early once), and a rollout that widens
// from 10% to 50% keeps the first 10%.
import { sha256HexSync } from './bytes.ts';
import type { RollbackStatement } from './rollback-statement.types.ts';

export const CHANNELS = ['beta', 'stable'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ChannelState {
  channel: Channel;
  /** What every device outside the rollout runs (null: nothing published yet, the app keeps its embedded bundle). */
  base: string | null;
  /** A version reaching the first `percent` of devices; at 100% a promote makes it the base. */
  rollout: { version: string; percent: number; paused: boolean } | null;
  /** Set when a maintainer rolled the channel back: the signed statement that lets phones go down to `base`. */
  rollback: RollbackStatement | null;
}

/** The device's place in every rollout: [0, 100), two decimals, from sha256 of its id. */
export function cohortOf(deviceId: string): number {
  const hex = sha256HexSync(new TextEncoder().encode(`leafcheck-cohort:${deviceId}`));
  return (Number.parseInt(hex.slice(0, 8), 16) % 10_000) / 100;
}

/** The bundle version this device should run on this channel (null: no published bundle; keep the embedded one). */
export function assignedVersion(state: ChannelState, deviceId: string): string | null {
  if (state.rollout && cohortOf(deviceId) < state.rollout.percent) return state.rollout.version;
  return state.base;
}
