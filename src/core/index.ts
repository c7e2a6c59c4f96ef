// Re-exports the internal format.
export * from './usage.js';
export * from './finish-reason.js';
export * from './chat-request.js';
export * from './chat-response.js';
export * from './stream-part.js';
export * from './error-codes.js';
export * from './gateway-error.js';
export * from './provider.js';
export * from './classify-upstream-failure.js';
export * from './surface.js';
export * from './encoded-json.js';
export * from './request-signal.js';
