// Re-exports the Anthropic surface.
export { anthropicSurface } from './anthropic-surface.js';
