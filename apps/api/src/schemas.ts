// Shared response schemas for the OpenAPI document.
import { z } from '@hono/zod-openapi';
import { fieldError } from '@leafcheck/sync';

export const errorBody = z.object({ error: z.string(), message: z.string().optional() }).openapi('Error');
export const validationError = z.object({ error: z.literal('validation'), issues: z.array(fieldError) }).openapi('ValidationError');

// Every /v1 route may also answer 503 with Retry-After when the process is at its in-flight bound
// (boundary/load-shedding.ts); routes that document their own 503 say so.
export const authResponses = {
  401: { description: 'missing, unknown or revoked token', content: { 'application/json': { schema: errorBody } } },
  403: { description: 'the token role may not use this route', content: { 'application/json': { schema: errorBody } } },
  429: {
    description: 'rate limited, too many requests of this token in flight, or too many failed sign-ins (see Retry-After)',
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

export const security = [{ bearer: [] }];

/** A UUID path parameter `id` (feedback records, retrain runs). */
export const idParam = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const gateValue = z.union([z.string(), z.number()]).nullable();
export const gateReport = z
  .object({
    pass: z.boolean(),
    candidateVersion: z.string(),
    currentVersion: z.string().nullable(),
    checks: z.array(
      z.object({ rule: z.string(), subject: z.string(), current: gateValue, candidate: gateValue, pass: z.boolean(), reason: z.string() }),
    ),
  })
  .openapi('GateReport');
