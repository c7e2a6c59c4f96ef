// Virtual (gateway) keys: what a key grants, how its secret is made, and how it is hashed and compared.

import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface VirtualKey {
  /** Public id (`key_…`), safe to log and show; never the secret. */
  id: string;
  name?: string;
  /** The user or team the key belongs to (at least one of them). */
  user?: string;
  team?: string;
  /** Rate-limit tier (`limits.tiers.<tier>`); the default tier when absent. */
  tier?: string;
  /** Model aliases the key may use; all when absent. */
  models?: string[];
  /** The key's region (residency); overrides the `x-switchyard-region` header. */
  region?: string;
  /** Residency policy of the key's requests (`strict`: never served outside `region`). */
  residency?: 'off' | 'prefer' | 'strict';
  /** Daily USD cap of this key; overrides `caps.perKeyDailyUsd`. */
  dailyUsd?: number;
  /** The first characters of the secret (`sy-AbCd`), to recognise a key in a list. */
  prefix: string;
  source: 'config' | 'database';
  createdAt?: string;
  revokedAt?: string;
}

export const keySecretPrefix = 'sy-';

/** A new key secret: `sy-` + 32 base64url characters (192 random bits). */
export function generateKeySecret(): string {
  return keySecretPrefix + randomBytes(24).toString('base64url');
}

export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/**
 * SHA-256 of the secret in hex: what is stored and cached; the secret itself never is. One-shot
 * `crypto.hash` with a hex answer: ~0.2 µs, where createHash().update().digest() takes ~2.7 µs
 * (and one-shot with a Buffer answer ~2 µs).
 */
export function hashKeySecretHex(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** SHA-256 of the secret as bytes. */
export function hashKeySecret(secret: string): Buffer {
  return Buffer.from(hashKeySecretHex(secret), 'hex');
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, keySecretPrefix.length + 4);
}

/** Constant-time comparison of two SHA-256 digests (hex or bytes). */
export function keyHashesEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a, 'hex') : a;
  const right = typeof b === 'string' ? Buffer.from(b, 'hex') : b;
  if (left.length !== 32 || right.length !== 32) return false;
  return timingSafeEqual(left, right);
}
