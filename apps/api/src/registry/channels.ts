// Release channels over the gated registry: a maintainer puts a published bundle on `beta` or `stable` for a
// share of the devices, widens it (promote), stops it (pause / resume) or rolls the channel back. Every action
// is kept with who and when. A rollback is signed (the same Ed25519 scheme as manifests) so phones that already
// run the newer bundle accept going down to the older one, and nothing else can make them.
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  CHANNELS,
  type Channel,
  type ChannelState,
  compareVersions,
  type RollbackStatement,
  sha256Hex,
  signRollbackStatement,
} from '@leafcheck/bundle';
import { type BundleRegistry, RegistryError } from './registry.ts';

export type ChannelAction = 'publish' | 'promote' | 'pause' | 'resume' | 'rollback';

export interface ChannelEvent {
  action: ChannelAction;
  channel: Channel;
  version: string;
  percent: number | null;
  by: string;
  at: string;
  reason?: string;
}

export interface ChannelsFile {
  channels: Record<Channel, ChannelState>;
  /** Every action, oldest first. */
  history: ChannelEvent[];
}

/** The request cannot be applied to the channel as it is now (409). */
export class ChannelConflictError extends RegistryError {
  override readonly name = 'ChannelConflictError';
}

export interface ChannelStore {
  read(): Promise<ChannelsFile>;
  /** Replaces the whole file atomically; `update` runs one at a time. */
  write(file: ChannelsFile): Promise<void>;
}

const empty = (): ChannelsFile => ({
  channels: Object.fromEntries(CHANNELS.map((c) => [c, { channel: c, base: null, rollout: null, rollback: null }])) as Record<
    Channel,
    ChannelState
  >,
  history: [],
});

/** channels.json beside the registry: write-then-rename, so a reader never sees half a file. */
export function fileChannelStore(path: string): ChannelStore {
  return {
    async read() {
      try {
        return JSON.parse(await readFile(path, 'utf8')) as ChannelsFile;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
        throw error;
      }
    },
    async write(file) {
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`);
      await rename(tmp, path);
    },
  };
}

export function memoryChannelStore(): ChannelStore {
  let file = empty();
  return {
    read: async () => structuredClone(file),
    async write(next) {
      file = structuredClone(next);
    },
  };
}

export interface ChannelsOptions {
  store: ChannelStore;
  registry: BundleRegistry;
  /** The key that signs rollback statements (the API machine's bundle signing key), read when one is signed. */
  signingKeyHex: () => string;
  now?: () => Date;
}

export interface Channels {
  state(channel: Channel): Promise<ChannelState>;
  history(): Promise<ChannelEvent[]>;
  /** Starts a rollout of a published version (newer than the channel's base) to `percent` of the devices. */
  publish(channel: Channel, version: string, percent: number, by: string): Promise<ChannelState>;
  /** Widens the rollout; at 100 the version becomes the base for everyone. */
  promote(channel: Channel, percent: number, by: string): Promise<ChannelState>;
  pause(channel: Channel, by: string): Promise<ChannelState>;
  resume(channel: Channel, by: string): Promise<ChannelState>;
  /** Back to the previous bundle: a running rollout is withdrawn, otherwise the base returns to the one before. */
  rollback(channel: Channel, by: string, reason?: string): Promise<ChannelState>;
  /** sha256 of a published version's manifest.json (what the phone checks a rollback statement against). */
  manifestSha256(version: string): Promise<string>;
}

function checkPercent(percent: number): void {
  if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
    throw new ChannelConflictError(`rollout percent must be above 0 and at most 100, not ${percent}`);
  }
}

export function channels(options: ChannelsOptions): Channels {
  const now = options.now ?? (() => new Date());
  const shas = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();

  async function manifestSha256(version: string): Promise<string> {
    const known = shas.get(version);
    if (known) return known;
    const bytes = await options.registry.read(version, 'manifest.json');
    if (!bytes) throw new ChannelConflictError(`bundle ${version} is not published`);
    const sha = await sha256Hex(bytes);
    shas.set(version, sha); // published versions never change
    return sha;
  }

  /** Read, change, record, write: one at a time, so two maintainers cannot interleave. */
  function update(
    channel: Channel,
    change: (state: ChannelState, file: ChannelsFile) => Promise<Omit<ChannelEvent, 'channel' | 'by' | 'at'>>,
    by: string,
  ): Promise<ChannelState> {
    const next = queue.then(async () => {
      const file = await options.store.read();
      const state = file.channels[channel];
      const event = await change(state, file);
      file.history.push({ ...event, channel, by, at: now().toISOString() });
      await options.store.write(file);
      return state;
    });
    queue = next.catch(() => undefined);
    return next;
  }

  const rolling = (state: ChannelState) => {
    if (!state.rollout) throw new ChannelConflictError(`channel ${state.channel} has no rollout in progress`);
    return state.rollout;
  };

  async function statement(state: ChannelState, from: string, to: string, by: string, reason?: string): Promise<RollbackStatement> {
    return signRollbackStatement(
      {
        formatVersion: 1,
        kind: 'leafcheck-rollback',
        channel: state.channel,
        fromVersion: from,
        toVersion: to,
        toManifestSha256: await manifestSha256(to),
        issuedAt: now().toISOString(),
        issuedBy: by,
        ...(reason ? { reason } : {}),
      },
      options.signingKeyHex(),
    );
  }

  const setPaused = (channel: Channel, paused: boolean, by: string) =>
    update(
      channel,
      async (state) => {
        const rollout = rolling(state);
        rollout.paused = paused;
        return { action: paused ? 'pause' : 'resume', version: rollout.version, percent: rollout.percent };
      },
      by,
    );

  return {
    async state(channel) {
      return (await options.store.read()).channels[channel];
    },
    async history() {
      return (await options.store.read()).history;
    },
    manifestSha256,
    publish(channel, version, percent, by) {
      return update(
        channel,
        async (state) => {
          checkPercent(percent);
          await manifestSha256(version); // published (verified and gated) before it can go anywhere
          if (state.rollout && !state.rollout.paused && state.rollout.version !== version) {
            throw new ChannelConflictError(
              `channel ${channel} is rolling out ${state.rollout.version}; promote, pause or roll it back first`,
            );
          }
          if (state.base && compareVersions(version, state.base) <= 0) {
            throw new ChannelConflictError(`bundle ${version} is not newer than ${state.base}, which channel ${channel} runs`);
          }
          state.rollout = { version, percent, paused: false };
          state.rollback = null;
          if (percent === 100) {
            state.base = version;
            state.rollout = null;
          }
          return { action: 'publish', version, percent };
        },
        by,
      );
    },
    promote(channel, percent, by) {
      return update(
        channel,
        async (state) => {
          const rollout = rolling(state);
          checkPercent(percent);
          if (rollout.paused) throw new ChannelConflictError(`the rollout of ${rollout.version} on ${channel} is paused; resume it first`);
          if (percent < rollout.percent) {
            throw new ChannelConflictError(`promote only widens a rollout (${rollout.percent}% now); roll back to withdraw it`);
          }
          rollout.percent = percent;
          if (percent === 100) {
            state.base = rollout.version;
            state.rollout = null;
          }
          return { action: 'promote', version: rollout.version, percent };
        },
        by,
      );
    },
    pause: (channel, by) => setPaused(channel, true, by),
    resume: (channel, by) => setPaused(channel, false, by),
    rollback(channel, by, reason) {
      return update(
        channel,
        async (state, file) => {
          if (state.rollout) {
            // The cohort goes back to the base; devices that verified the rollout version need the statement.
            const from = state.rollout.version;
            state.rollout = null;
            state.rollback = state.base ? await statement(state, from, state.base, by, reason) : null;
            return { action: 'rollback', version: state.base ?? from, percent: null, ...(reason ? { reason } : {}) };
          }
          if (!state.base) throw new ChannelConflictError(`channel ${channel} has nothing to roll back`);
          const previous = previousBase(file.history, channel, state.base);
          if (!previous) throw new ChannelConflictError(`channel ${channel} has no bundle before ${state.base} to go back to`);
          state.rollback = await statement(state, state.base, previous, by, reason);
          state.base = previous;
          return { action: 'rollback', version: previous, percent: null, ...(reason ? { reason } : {}) };
        },
        by,
      );
    },
  };
}

/** The newest base the channel had before `current`, lower than it, from the history. */
function previousBase(history: ChannelEvent[], channel: Channel, current: string): string | null {
  const bases = history
    .filter((e) => e.channel === channel && (e.percent === 100 || e.action === 'rollback'))
    .map((e) => e.version)
    .filter((v) => compareVersions(v, current) < 0);
  return bases.sort(compareVersions).pop() ?? null;
}
