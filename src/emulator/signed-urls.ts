// Signed URLs as the workspace-files endpoints hand them out (reference §3): the emulator serves
// them itself under `/__emulator/signed/<token>`, where the token carries method, path, object id
// and expiry under an HMAC. Signing and verifying only; serving the bytes is the server's job.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SignedUrl } from '../shared/workspace-types';

/** What a signed URL grants. */
export interface SignedGrant {
  method: 'GET' | 'PUT';
  /** Canonical workspace path. */
  path: string;
  /** For GET: the object the URL was issued for. */
  objectId?: number;
  /** For PUT: whether an existing file may be replaced. */
  overwrite?: boolean;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
}

/** Why a token was refused. */
export type VerifyResult = { ok: true; grant: SignedGrant } | { ok: false; reason: 'invalid' | 'expired' };

/** The headers a signed PUT must carry (all returned headers must be sent, as with Azure). */
export const UPLOAD_HEADERS: Readonly<Record<string, string>> = { 'x-ms-blob-type': 'BlockBlob' };

/** Issues and verifies signed URL tokens with a per-emulator secret. */
export class UrlSigner {
  private readonly secret = randomBytes(32);

  constructor(
    private readonly baseUrl: () => string,
    private readonly ttlMs: () => number,
    private readonly now: () => number,
  ) {}

  /** A signed URL for `grant` (without expiry: the signer adds it). */
  issue(grant: Omit<SignedGrant, 'expiresAt'>): SignedUrl {
    const expiresAt = this.now() + this.ttlMs();
    const payload = Buffer.from(JSON.stringify({ ...grant, expiresAt })).toString('base64url');
    const token = `${payload}.${this.sign(payload)}`;
    return {
      url: `${this.baseUrl()}/__emulator/signed/${token}`,
      headers: grant.method === 'PUT' ? { ...UPLOAD_HEADERS } : {},
      url_type: 'EmulatorSignedUrl',
      expiry_time_millis: expiresAt,
    };
  }

  /** Checks a token's signature and expiry. */
  verify(token: string): VerifyResult {
    const parts = token.split('.');
    if (parts.length !== 2) return { ok: false, reason: 'invalid' };
    const [payload, signature] = parts as [string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
    const grant = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SignedGrant;
    return grant.expiresAt < this.now() ? { ok: false, reason: 'expired' } : { ok: true, grant };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
