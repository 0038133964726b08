export * from './backoff.ts';
export * from './engine.ts';
export * from './feedback-record.ts';
export * from './protocol.ts';
export * from './retrain-decision.ts';
export * from './text.ts';
export * from './transport.ts';
