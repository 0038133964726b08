// What createApp receives (deps) and what routes share (context). Backends are chosen in server.ts.
import { OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_RETRAIN_CONFIG, type RetrainConfig, toFieldErrors } from '@leafcheck/sync';
import type { MiddlewareHandler } from 'hono';
import { type AppEnv, authGuards, DEFAULT_FAILED_AUTH_LIMIT, DEFAULT_RATE_LIMITS, type RateLimit, requireRole } from './auth.ts';
import { DEFAULT_LOAD_LIMITS, type LoadLimits } from './boundary/load-shedding.ts';
import type { FeedbackStore } from './db/feedback-store.ts';
import type { ReviewStore } from './db/review-store.ts';
import type { RunStore } from './db/run-store.ts';
import type { Role, TokenStore } from './db/token-store.ts';
import type { TranslationStore } from './db/translation-store.ts';
import type { LabelSuggester } from './llm/suggester.ts';
import type { SuggestionService } from './llm/suggestions.ts';
import type { PhotoStore } from './photos/photo-store.ts';
import type { Channels } from './registry/channels.ts';
import type { BundleRegistry } from './registry/registry.ts';
import type { TrainingSetup } from './training/backend.ts';

/** The model bundle the API judges feedback against (from its signed manifest). */
export interface BundleInfo {
  version: string;
  createdAt: string;
  metrics: Record<string, number>;
  /** Disease labels plus the not-a-leaf label. */
  labels: string[];
}

export interface Storage {
  feedback: FeedbackStore;
  reviews: ReviewStore;
  tokens: TokenStore;
  runs: RunStore;
  translations: TranslationStore;
}

export interface AppConfig {
  /** Origins allowed by CORS (the PWA's); empty: no CORS headers at all. */
  corsOrigins: string[];
  rateLimits: Record<Role, RateLimit>;
  /** In-flight bounds (503 for the process, 429 per token) and Retry-After. */
  load: LoadLimits;
  /** Failed authentications per client address (token bucket); past it, 429 before any token lookup. */
  failedAuthPerAddress: RateLimit;
  /** Bytes; a batch of 50 records with photos stays well under this. */
  feedbackBodyLimit: number;
  otherBodyLimit: number;
  /** Top-1 probability under which an item counts as low confidence in the review order. */
  lowConfidence: number;
  maxPhotoSide: number;
  retrain: RetrainConfig;
}

export const DEFAULT_CONFIG: AppConfig = {
  corsOrigins: [],
  rateLimits: DEFAULT_RATE_LIMITS,
  load: DEFAULT_LOAD_LIMITS,
  failedAuthPerAddress: DEFAULT_FAILED_AUTH_LIMIT,
  feedbackBodyLimit: 8 * 1024 * 1024,
  otherBodyLimit: 16 * 1024,
  lowConfidence: 0.6,
  maxPhotoSide: 512,
  retrain: DEFAULT_RETRAIN_CONFIG,
};

export interface AppDeps {
  storage: Storage;
  photos: PhotoStore;
  /** null: no ANTHROPIC_API_KEY, suggestions are reported as disabled. */
  llm: LabelSuggester | null;
  bundle: BundleInfo | null;
  /** Published bundles served to apps; null: none (GET /v1/bundles lists nothing). */
  registry?: BundleRegistry | null;
  /** Release channels and staged rollout over the registry; null/absent: the channel routes answer 503. */
  channels?: Channels | null;
  /** Starts retrain runs (local trainer or Modal); null/absent: the retrain run routes answer 503. */
  training?: TrainingSetup | null;
  config?: Partial<AppConfig>;
  now?: () => Date;
}

export interface RouteContext {
  deps: AppDeps;
  config: AppConfig;
  now: () => Date;
  auth: (...roles: Role[]) => MiddlewareHandler<AppEnv>;
  suggestions: SuggestionService;
}

export function newApi() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json({ error: 'validation', issues: toFieldErrors(result.error) }, 400);
    },
  });
}
export type Api = ReturnType<typeof newApi>;

export function makeAuth(tokens: TokenStore, config: Pick<AppConfig, 'rateLimits' | 'load' | 'failedAuthPerAddress'>) {
  const guards = authGuards(config.rateLimits, config.load, config.failedAuthPerAddress);
  return (...roles: Role[]) => requireRole(tokens, guards, ...roles);
}
