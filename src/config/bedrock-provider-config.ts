// Config of `type: bedrock` providers: the extra keys, AWS environment defaults, the default
// endpoint from the region, and the checks (region, credentials). See docs/bedrock.md.

import { z } from 'zod';

/** Keys only a bedrock provider reads (merged into the provider schema). */
export const bedrockProviderFields = {
  /** SigV4 credentials; default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN. */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
  sessionToken: z.string().min(1).optional(),
  /** Whether Bedrock's `inputTokens` excludes (default) or includes the cache read/write tokens. */
  usageInputTokens: z.enum(['exclusive', 'inclusive']).optional(),
};

const envDefaults: Record<string, string> = {
  region: '${AWS_REGION}',
  accessKeyId: '${AWS_ACCESS_KEY_ID:-}',
  secretAccessKey: '${AWS_SECRET_ACCESS_KEY:-}',
  sessionToken: '${AWS_SESSION_TOKEN:-}',
  // The variable the AWS SDKs read for Bedrock API keys.
  apiKey: '${AWS_BEARER_TOKEN_BEDROCK:-}',
};

/**
 * Before interpolation: a bedrock provider that leaves region or credentials out gets the standard
 * AWS environment variables as `${VAR}` references, so the only reader of process.env stays the
 * composition root and a missing AWS_REGION is reported under the provider's `region` key.
 */
export function addBedrockEnvDefaults(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const config = raw as Record<string, unknown>;
  const providers = config.providers;
  if (providers === null || typeof providers !== 'object' || Array.isArray(providers)) return raw;
  let changed = false;
  const result: Record<string, unknown> = {};
  for (const [name, provider] of Object.entries(providers as Record<string, unknown>)) {
    const record = provider as Record<string, unknown> | null;
    if (record === null || typeof record !== 'object' || record.type !== 'bedrock') {
      result[name] = provider;
      continue;
    }
    const filled: Record<string, unknown> = { ...record };
    // Explicit credentials in the file win over every environment variable.
    const hasOwnCredentials =
      record.apiKey !== undefined ||
      record.accessKeyId !== undefined ||
      record.secretAccessKey !== undefined;
    for (const [key, reference] of Object.entries(envDefaults)) {
      if (filled[key] !== undefined) continue;
      if (key !== 'region' && hasOwnCredentials) continue;
      filled[key] = reference;
    }
    result[name] = filled;
    changed = true;
  }
  return changed ? { ...config, providers: result } : raw;
}

const credentialKeys = ['accessKeyId', 'secretAccessKey', 'sessionToken', 'apiKey'];

/** Schema preprocess: drops empty env-default credentials; baseUrl defaults from the region. */
export function fillBedrockDefaults(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const provider = input as Record<string, unknown>;
  if (provider.type !== 'bedrock') return input;
  const filled: Record<string, unknown> = { ...provider };
  for (const key of credentialKeys) if (filled[key] === '') delete filled[key];
  if (filled.baseUrl === undefined) {
    const region = typeof filled.region === 'string' ? filled.region : '';
    // Without a region the config is refused anyway (under `region`); the regionless host only
    // keeps a second, misleading "baseUrl" problem out of the report.
    filled.baseUrl = region
      ? `https://bedrock-runtime.${region}.amazonaws.com`
      : 'https://bedrock-runtime.amazonaws.com';
  }
  return filled;
}

/** A bedrock provider needs a region and either an API key or an access key id + secret. */
export function checkBedrockProviders(
  providers: Record<
    string,
    {
      type: string;
      region?: string | undefined;
      apiKey?: string | undefined;
      accessKeyId?: string | undefined;
      secretAccessKey?: string | undefined;
    }
  >,
  addIssue: (path: Array<string | number>, message: string) => void,
): void {
  for (const [name, provider] of Object.entries(providers)) {
    if (provider.type !== 'bedrock') continue;
    if (!provider.region) {
      addIssue(['providers', name, 'region'], 'a bedrock provider needs a region (or AWS_REGION)');
    }
    if (provider.apiKey) continue;
    if (!provider.accessKeyId || !provider.secretAccessKey) {
      addIssue(
        ['providers', name],
        'a bedrock provider needs credentials: apiKey (or AWS_BEARER_TOKEN_BEDROCK), or ' +
          'accessKeyId and secretAccessKey (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
      );
    }
  }
}
