// `cli.ts channel ...`: the maintainer's channel actions from a shell, on the same channels.json as the server.
import { userInfo } from 'node:os';
import { CHANNELS, type Channel, type ChannelState } from '@leafcheck/bundle';
import type { Channels } from './channels.ts';

export const CHANNEL_USAGE = `       cli.ts channel show
       cli.ts channel publish CHANNEL VERSION --percent N   (CHANNEL: ${CHANNELS.join('|')})
       cli.ts channel promote CHANNEL PERCENT
       cli.ts channel pause|resume CHANNEL
       cli.ts channel rollback CHANNEL [--reason TEXT]`;

function describe(state: ChannelState): string {
  const rollout = state.rollout
    ? `, rolling out ${state.rollout.version} to ${state.rollout.percent}%${state.rollout.paused ? ' (paused)' : ''}`
    : '';
  const rollback = state.rollback ? `, rolled back from ${state.rollback.fromVersion}` : '';
  return `${state.channel}: ${state.base ?? 'nothing published (phones keep their embedded bundle)'}${rollout}${rollback}`;
}

export async function runChannel(
  channels: Channels,
  args: string[],
  flags: { percent?: string; reason?: string },
  out: (line: string) => void,
): Promise<number> {
  const [command, channelArg, value] = args;
  const by = `cli:${userInfo().username}`;
  if (command === 'show') {
    for (const c of CHANNELS) out(describe(await channels.state(c)));
    for (const e of (await channels.history()).slice(-20)) {
      out(`  ${e.at}\t${e.channel}\t${e.action}\t${e.version}${e.percent === null ? '' : ` ${e.percent}%`}\t${e.by}`);
    }
    return 0;
  }
  if (!CHANNELS.includes(channelArg as Channel)) {
    out(`CHANNEL must be one of ${CHANNELS.join(', ')}`);
    return 2;
  }
  const channel = channelArg as Channel;
  const percent = (text: string | undefined) => (text === undefined ? Number.NaN : Number(text));
  try {
    let state: ChannelState;
    if (command === 'publish' && value) state = await channels.publish(channel, value, percent(flags.percent), by);
    else if (command === 'promote' && value) state = await channels.promote(channel, percent(value), by);
    else if (command === 'pause') state = await channels.pause(channel, by);
    else if (command === 'resume') state = await channels.resume(channel, by);
    else if (command === 'rollback') state = await channels.rollback(channel, by, flags.reason);
    else {
      out(CHANNEL_USAGE);
      return 2;
    }
    out(describe(state));
    return 0;
  } catch (error) {
    out(`refused: ${(error as Error).message}`);
    return 1;
  }
}
