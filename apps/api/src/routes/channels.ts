// Release channels: the device's assigned bundle (public, cheap, cacheable) and the maintainer's staged rollout
// (publish to a channel at a percentage, promote, pause, resume, roll back; each recorded with who and when).
import { createRoute, z } from '@hono/zod-openapi';
import { assignedVersion, CHANNELS, type Channel, type ChannelState, cohortOf, sha256Hex } from '@leafcheck/bundle';
import { wellFormedText } from '@leafcheck/sync';
import type { Context } from 'hono';
import type { Api, RouteContext } from '../context.ts';
import { ChannelConflictError, type Channels } from '../registry/channels.ts';
import { RegistryError } from '../registry/registry.ts';
import { authResponses, errorBody, security } from '../schemas.ts';

const channelParam = z.object({
  channel: z.enum(CHANNELS).openapi({ param: { name: 'channel', in: 'path' } }),
});

const rollback = z
  .record(z.string(), z.unknown())
  .nullable()
  .openapi({ description: 'the signed rollback statement (schema: packages/bundle/schema/rollback-statement.schema.json)' });

const channelState = z
  .object({
    channel: z.enum(CHANNELS),
    base: z.string().nullable(),
    rollout: z.object({ version: z.string(), percent: z.number(), paused: z.boolean() }).nullable(),
    rollback,
  })
  .openapi('ChannelState');

const channelEvent = z
  .object({
    action: z.enum(['publish', 'promote', 'pause', 'resume', 'rollback']),
    channel: z.enum(CHANNELS),
    version: z.string(),
    percent: z.number().nullable(),
    by: z.string(),
    at: z.string(),
    reason: z.string().optional(),
  })
  .openapi('ChannelEvent');

const assignment = z
  .object({
    channel: z.enum(CHANNELS),
    /** null: nothing published on this channel; the app keeps its embedded bundle. */
    version: z.string().nullable(),
    manifestSha256: z.string().nullable(),
    bundleUrl: z.string().nullable().openapi({ description: 'where the files are: <bundleUrl><file>' }),
    cohort: z.number().openapi({ description: "the device's place in every rollout, [0, 100)" }),
    rollout: channelState.shape.rollout,
    rollback,
  })
  .openapi('Assignment');

const percent = z.number().gt(0).max(100);
const conflict = {
  409: { description: 'not possible in the channel as it is now', content: { 'application/json': { schema: errorBody } } },
};
const off = { 503: { description: 'no channels configured', content: { 'application/json': { schema: errorBody } } } };
const UNAVAILABLE = { error: 'unavailable', message: 'release channels need a bundle registry' };

/** The device's assignment, the same JSON for the same (state, device) so its ETag is stable. */
async function assignmentOf(channels: Channels, state: ChannelState, device: string): Promise<z.infer<typeof assignment>> {
  const version = assignedVersion(state, device);
  return {
    channel: state.channel,
    version,
    manifestSha256: version ? await channels.manifestSha256(version) : null,
    bundleUrl: version ? `/v1/bundles/${version}/` : null,
    cohort: cohortOf(device),
    rollout: state.rollout,
    // Only the devices that go down need it; sending it to all is harmless (it names one exact older bundle).
    rollback: version !== null && state.rollback?.toVersion === version ? (state.rollback as unknown as Record<string, unknown>) : null,
  };
}

export function registerChannels(app: Api, ctx: RouteContext) {
  const channels = ctx.deps.channels ?? null;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels/{channel}/assignment',
      tags: ['bundles'],
      summary: 'The bundle this device should run on the channel (public; cacheable for a minute; If-None-Match -> 304)',
      request: {
        params: channelParam,
        query: z.object({ device: z.string().min(8).max(100).openapi({ description: "the app's random device id" }) }),
      },
      responses: {
        200: { description: 'assignment', content: { 'application/json': { schema: assignment } } },
        304: { description: 'unchanged since the ETag the device sent' },
        ...off,
      },
    }),
    async (c) => {
      if (!channels) return c.json(UNAVAILABLE, 503);
      const { channel } = c.req.valid('param');
      const body = JSON.stringify(await assignmentOf(channels, await channels.state(channel), c.req.valid('query').device));
      const etag = `"${(await sha256Hex(new TextEncoder().encode(body))).slice(0, 32)}"`;
      const headers = { etag, 'cache-control': 'public, max-age=60', vary: 'origin' };
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
      return c.body(body, 200, { ...headers, 'content-type': 'application/json' }) as never;
    },
  );

  const common = { tags: ['maintainer'], security, middleware: ctx.auth('maintainer') };
  const by = (c: Context) => {
    const token = c.get('token') as { id: string; name: string };
    return `${token.name} (token ${token.id})`;
  };
  const fail = (c: Context, error: unknown) => {
    if (error instanceof ChannelConflictError || error instanceof RegistryError) {
      return c.json({ error: 'conflict', message: error.message }, 409) as never;
    }
    throw error;
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/channels',
      summary: 'Every channel and the history of actions (who, when)',
      ...common,
      responses: {
        200: {
          description: 'channels',
          content: { 'application/json': { schema: z.object({ channels: z.array(channelState), history: z.array(channelEvent) }) } },
        },
        ...authResponses,
        ...off,
      },
    }),
    async (c) => {
      if (!channels) return c.json(UNAVAILABLE, 503);
      const states = await Promise.all(CHANNELS.map((ch) => channels.state(ch)));
      return c.json({ channels: states, history: await channels.history() } as never, 200);
    },
  );

  const action = (
    name: 'publish' | 'promote' | 'pause' | 'resume' | 'rollback',
    summary: string,
    body: z.ZodTypeAny | null,
    apply: (chs: Channels, channel: Channel, input: Record<string, unknown>, who: string) => Promise<ChannelState>,
  ) =>
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/channels/{channel}/${name}`,
        summary,
        ...common,
        request: {
          params: channelParam,
          ...(body ? { body: { required: true, content: { 'application/json': { schema: body } } } } : {}),
        },
        responses: {
          200: { description: 'the channel after the action', content: { 'application/json': { schema: channelState } } },
          ...conflict,
          ...authResponses,
          ...off,
        },
      }),
      async (c) => {
        if (!channels) return c.json(UNAVAILABLE, 503);
        const input = (body ? (c.req.valid('json' as never) as Record<string, unknown>) : {}) ?? {};
        try {
          return c.json((await apply(channels, c.req.valid('param').channel, input, by(c))) as never, 200);
        } catch (error) {
          return fail(c, error);
        }
      },
    );

  action(
    'publish',
    'Roll a published bundle out on the channel to a share of the devices (their cohort is a stable hash of the device id)',
    z.object({ version: wellFormedText().min(1).max(50), percent }),
    (chs, ch, input, who) => chs.publish(ch, input.version as string, input.percent as number, who),
  );
  action('promote', 'Widen the rollout; at 100 the version becomes the base', z.object({ percent }), (chs, ch, input, who) =>
    chs.promote(ch, input.percent as number, who),
  );
  action('pause', 'Stop the rollout from widening (devices keep their assignment)', null, (chs, ch, _input, who) => chs.pause(ch, who));
  action('resume', 'Let a paused rollout widen again', null, (chs, ch, _input, who) => chs.resume(ch, who));
  action(
    'rollback',
    'Back to the previous bundle: withdraws a running rollout, else returns the base to the one before; signs a rollback statement',
    z.object({ reason: wellFormedText().max(2000).optional() }),
    (chs, ch, input, who) => chs.rollback(ch, who, input.reason as string | undefined),
  );
}
