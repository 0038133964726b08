// Advice translations: an agronomist flags one (class + language, what is wrong) from the review screen; the
// flags are listed for whoever maintains packages/bundle/content/advice/. Roles as for review: agronomists write,
// agronomists and maintainers read.
import { createRoute, z } from '@hono/zod-openapi';
import { wellFormedText } from '@leafcheck/sync';
import type { Api, RouteContext } from '../context.ts';
import { authResponses, security, validationError } from '../schemas.ts';
import { labelSchema } from './review.ts';

const flagBody = z
  .object({
    label: labelSchema,
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'must be a language code such as sw or hi')
      .refine((l) => l !== 'en', 'English is the original, not a translation'),
    note: wellFormedText().max(1000).optional(),
  })
  .strict()
  .openapi('TranslationFlagRequest');

const flagView = z
  .object({ id: z.string(), label: z.string(), language: z.string(), note: z.string().nullable(), flaggedAt: z.string() })
  .openapi('TranslationFlag');

export function registerTranslations(app: Api, ctx: RouteContext) {
  const { translations } = ctx.deps.storage;

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/translations/flags',
      tags: ['review'],
      summary: 'Flag an advice translation as needing a check (class and language, with what is wrong)',
      security,
      middleware: [ctx.auth('agronomist')] as const,
      request: { body: { required: true, content: { 'application/json': { schema: flagBody } } } },
      responses: {
        200: { description: 'stored', content: { 'application/json': { schema: flagView } } },
        400: {
          description: 'invalid flag, or a class outside the served taxonomy',
          content: { 'application/json': { schema: validationError } },
        },
        ...authResponses,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const known = ctx.deps.bundle?.labels;
      if (known && !known.includes(body.label))
        return c.json(
          {
            error: 'validation' as const,
            issues: [{ path: 'label', message: `${JSON.stringify(body.label)} is not a class of the served bundle` }],
          },
          400,
        );
      const flag = await translations.flag({
        id: crypto.randomUUID(),
        label: body.label,
        language: body.language,
        note: body.note?.trim() || null,
        flagged_by: c.get('token').id,
        flagged_at: ctx.now().toISOString(),
      });
      return c.json(flag, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/translations/flags',
      tags: ['review'],
      summary: 'Flagged advice translations, newest first',
      security,
      middleware: [ctx.auth('agronomist', 'maintainer')] as const,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: {
        200: { description: 'flags', content: { 'application/json': { schema: z.object({ flags: z.array(flagView) }) } } },
        400: { description: 'bad query', content: { 'application/json': { schema: validationError } } },
        ...authResponses,
      },
    }),
    async (c) => c.json({ flags: await translations.list(c.req.valid('query').limit) }, 200),
  );
}
