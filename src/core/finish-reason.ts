// Finish reason: one unified vocabulary, plus the provider's raw value for the trace.

export type UnifiedFinishReason =
  'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error' | 'other';

export interface FinishReason {
  unified: UnifiedFinishReason;
  raw: string | undefined;
}
