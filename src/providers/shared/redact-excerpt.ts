// Keeps an upstream body excerpt short and free of anything that looks like a credential, so it
// can go to logs and traces: API keys (sk-…, sy-…, key-…), bearer tokens, AWS access key ids and
// SigV4 signatures.

export function redactExcerpt(text: string): string {
  return text
    .slice(0, 500)
    .replace(/\b(sk|sy|key)-[A-Za-z0-9_-]{8,}/g, '$1-[redacted]')
    .replace(/Bearer\s+[A-Za-z0-9._+/=-]+/gi, 'Bearer [redacted]')
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}/g, '$1[redacted]')
    .replace(/Signature=[0-9a-f]{16,}/gi, 'Signature=[redacted]');
}
