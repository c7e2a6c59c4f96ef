// Re-exports the OpenAI surface.
export { openAISurface } from './openai-surface.js';
