// Claude's label suggestion for one review item. The LLM only assists the agronomist: its answer is
// shown next to the photo and never becomes a label or a diagnosis by itself.
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';

export const llmAnswer = z.object({
  suggested_label: z.string().min(1),
  confidence: z.enum(['high', 'medium', 'low']),
  reasoning: z.string().max(4000),
  visible_symptoms: z.array(z.string().max(500)).max(30),
  needs_human_review: z.boolean(),
});

export interface Suggestion {
  label: string;
  confidence: 'high' | 'medium' | 'low';
  reasoning: string;
  visibleSymptoms: string[];
  needsReview: boolean;
}

export interface LabelSuggester {
  readonly model: string;
  /** Throws on any failure (network, refusal, invalid JSON, label outside `labels`). */
  suggest(input: { jpeg: Uint8Array; labels: string[] }): Promise<Suggestion>;
}

export class SuggestionError extends Error {
  override readonly name = 'SuggestionError';
}

export function promptFor(labels: string[]): string {
  return `You are helping an agronomist label plant disease photos sent by farmers. Your answer is a suggestion for a human reviewer, never a final label.

Suggest the most likely label for this photo from this list:
${JSON.stringify(labels)}

Respond with JSON only:
{"suggested_label": "exact label from the list", "confidence": "high" | "medium" | "low", "reasoning": "brief explanation", "visible_symptoms": ["symptom", "..."], "needs_human_review": true | false}

If you cannot determine the label with reasonable confidence, choose the closest label and set needs_human_review to true.`;
}

/** Pulls the JSON object out of the model's text (it sometimes wraps it in a code fence). */
export function parseAnswer(text: string, labels: string[]): Suggestion {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) throw new SuggestionError('answer contains no JSON object');
  let json: unknown;
  try {
    json = JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new SuggestionError('answer is not valid JSON');
  }
  const parsed = llmAnswer.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SuggestionError(`answer does not match the schema (${where})`);
  }
  if (!labels.includes(parsed.data.suggested_label)) {
    throw new SuggestionError(`suggested label ${JSON.stringify(parsed.data.suggested_label)} is not in the taxonomy`);
  }
  return {
    label: parsed.data.suggested_label,
    confidence: parsed.data.confidence,
    reasoning: parsed.data.reasoning,
    visibleSymptoms: parsed.data.visible_symptoms,
    needsReview: parsed.data.needs_human_review,
  };
}

export interface AnthropicSuggesterOptions {
  apiKey: string;
  model?: string;
  /** Only for tests and proxies; defaults to the SDK's (ANTHROPIC_BASE_URL or api.anthropic.com). */
  baseURL?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export function anthropicSuggester(options: AnthropicSuggesterOptions): LabelSuggester {
  const model = options.model ?? 'claude-sonnet-4-5';
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    timeout: options.timeoutMs ?? 60_000,
    maxRetries: options.maxRetries ?? 2,
  });
  return {
    model,
    async suggest({ jpeg, labels }) {
      const message = await client.messages.create({
        model,
        max_tokens: 1024,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: Buffer.from(jpeg).toString('base64') } },
              { type: 'text', text: promptFor(labels) },
            ],
          },
        ],
      });
      const text = message.content
        .filter((block): block is Extract<typeof block, { type: 'text' }> => block.type === 'text')
        .map((block) => block.text)
        .join('');
      if (text === '') throw new SuggestionError(`no text in the answer (stop_reason ${message.stop_reason})`);
      return parseAnswer(text, labels);
    },
  };
}
