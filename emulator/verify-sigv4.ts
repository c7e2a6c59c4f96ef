// Verifies the AWS SigV4 signature of a request the way AWS does, independently of src/: parse the
// Authorization header, check key id, scope, date skew and payload hash, re-sign the signed headers
// with @smithy/signature-v4 and compare. Bearer API keys are checked against the configured key.
// SigV4: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4Settings {
  credentials: AwsCredentials;
  region: string;
  /** Bedrock API key accepted as `Authorization: Bearer`, if any. */
  apiKey: string | undefined;
  service: string;
  now: () => number;
}

export interface AuthFailure {
  status: number;
  type: string;
  message: string;
}

const MAX_SKEW_MS = 5 * 60 * 1000;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS ' +
  'Secret Access Key and signing method. Consult the service documentation for details.';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** Returns undefined when the request is authentic, else the AWS-style failure. */
export async function verifySigV4(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer },
  settings: SigV4Settings,
): Promise<AuthFailure | undefined> {
  const authorization = single(request.headers.authorization);
  if (!authorization) {
    return {
      status: 403,
      type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    };
  }
  if (authorization.startsWith('Bearer ')) {
    if (settings.apiKey !== undefined && authorization.slice(7) === settings.apiKey)
      return undefined;
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: 'Authentication failed: invalid API key.',
    };
  }
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) {
    return {
      status: 400,
      type: 'IncompleteSignatureException',
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
    };
  }
  const [, keyId, day, region, service, signedHeaders] = match as unknown as string[];
  if (keyId !== settings.credentials.accessKeyId) {
    return {
      status: 403,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const amzDate = single(request.headers['x-amz-date']) ?? '';
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dateMatch || !amzDate.startsWith(day ?? '')) {
    return { status: 403, type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
  }
  const [year = 0, month = 1, date = 1, hour = 0, minute = 0, second = 0] = dateMatch
    .slice(1)
    .map(Number);
  const signingDate = new Date(Date.UTC(year, month - 1, date, hour, minute, second));
  if (Math.abs(settings.now() - signingDate.getTime()) > MAX_SKEW_MS) {
    return {
      status: 403,
      type: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is now earlier or later than the allowed 5 minute skew.`,
    };
  }
  if (region !== settings.region || service !== settings.service) {
    return {
      status: 403,
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and service (${settings.region}/${settings.service}).`,
    };
  }
  const declaredHash = single(request.headers['x-amz-content-sha256']);
  if (declaredHash !== undefined) {
    const actual = createHash('sha256').update(request.body).digest('hex');
    if (declaredHash !== actual) {
      return {
        status: 400,
        type: 'XAmzContentSHA256Mismatch',
        message: 'The provided x-amz-content-sha256 header does not match what was computed.',
      };
    }
  }
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? '').split(';')) {
    const value = single(request.headers[name]);
    if (value === undefined) {
      return { status: 403, type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
    }
    headers[name] = value;
  }
  const queryAt = request.url.indexOf('?');
  const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
  const query: Record<string, string> = {};
  if (queryAt !== -1) {
    for (const [name, value] of new URLSearchParams(request.url.slice(queryAt + 1)))
      query[name] = value;
  }
  const host = headers.host ?? '';
  const [hostname = host, port] = host.split(':');
  const signer = new SignatureV4({
    credentials: settings.credentials,
    region: settings.region,
    service: settings.service,
    sha256: Sha256,
    // Sign exactly the headers the client signed (do not add x-amz-content-sha256).
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname,
      ...(port !== undefined ? { port: Number(port) } : {}),
      path,
      query,
      headers,
      body: request.body,
    },
    { signingDate },
  );
  return signed.headers.authorization === authorization
    ? undefined
    : { status: 403, type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
}
