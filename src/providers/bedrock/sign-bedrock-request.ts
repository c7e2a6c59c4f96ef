// Authentication of Bedrock Runtime requests: AWS SigV4 (via @smithy/signature-v4, never
// hand-rolled; hashes by node:crypto, see node-sha256.ts) or a Bedrock API key sent as
// `Authorization: Bearer`.
// SigV4: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// API keys: https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-use.html

import { SignatureV4 } from '@smithy/signature-v4';
import type { ChecksumConstructor } from '@smithy/types';
import { NodeSha256 } from './node-sha256.js';

export type BedrockAuth =
  | {
      type: 'sigv4';
      region: string;
      credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
      /** Signing name; `bedrock` for bedrock-runtime. */
      service?: string;
    }
  | { type: 'bearer'; apiKey: string };

export interface RequestToSign {
  method: string;
  /** Host header value as sent (host, plus :port when not the default). */
  host: string;
  /** The path as sent, already percent-encoded (the model ID is encoded once). */
  path: string;
  headers: Record<string, string>;
  body: string;
}

export type BedrockRequestSigner = (request: RequestToSign) => Promise<Record<string, string>>;

/** Returns a function that gives the headers to send: the input headers plus the auth headers. */
export function createBedrockRequestSigner(
  auth: BedrockAuth,
  now: () => Date = () => new Date(),
  /** The SHA-256 implementation (tests run the known-answer vector with each). */
  sha256: ChecksumConstructor = NodeSha256,
): BedrockRequestSigner {
  if (auth.type === 'bearer') {
    return (request) =>
      Promise.resolve({ ...request.headers, authorization: `Bearer ${auth.apiKey}` });
  }
  const signer = new SignatureV4({
    credentials: auth.credentials,
    region: auth.region,
    service: auth.service ?? 'bedrock',
    sha256,
    // Non-S3 services sign the path percent-encoded a second time (the SDK default).
    uriEscapePath: true,
  });
  return async (request) => {
    const [hostname = request.host, port] = request.host.split(':');
    const signed = await signer.sign(
      {
        method: request.method,
        protocol: 'https:',
        hostname,
        ...(port !== undefined ? { port: Number(port) } : {}),
        path: request.path,
        query: {},
        headers: { ...request.headers, host: request.host },
        body: request.body,
      },
      { signingDate: now() },
    );
    return signed.headers;
  };
}
