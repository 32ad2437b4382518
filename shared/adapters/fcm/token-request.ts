import { request } from 'node:https';
import type { FcmServiceAccount } from '../../domain/fcm-credential';
import type { AccessTokenGrant, GrantRequest } from './access-token';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_BODY_BYTES = 64 * 1024;

/** The token endpoint refused, failed or could not be reached. Its message quotes no secret. */
export class TokenRequestError extends Error {
  override readonly name = 'TokenRequestError';
  constructor(
    message: string,
    /** False when the endpoint refused the credential (4xx but 429). */
    readonly retryable: boolean,
    /** The endpoint's HTTP status; undefined when it gave none. */
    readonly status?: number,
    /** OAuth's `error`, e.g. invalid_grant. */
    readonly oauthError?: string,
  ) {
    super(message);
  }
}

export interface TokenRequestOptions {
  /** Trusted CAs (the system roots plus an extra one); undefined for Node's default roots. */
  readonly ca?: readonly string[];
  readonly timeoutMs: number;
}

/**
 * Posts the assertion to the service account's `token_uri` (form-encoded, HTTP/1.1) and reads the
 * access token. Once an hour per service account, so a plain request without keep-alive.
 */
export function httpsGrantRequest(options: TokenRequestOptions): GrantRequest {
  return (account, assertion) => requestGrant(account, assertion, options);
}

function requestGrant(
  account: FcmServiceAccount,
  assertion: string,
  options: TokenRequestOptions,
): Promise<AccessTokenGrant> {
  const form = new URLSearchParams({ grant_type: GRANT_TYPE, assertion }).toString();
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request(account.token_uri, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
          accept: 'application/json',
        },
        ca: options.ca === undefined ? undefined : [...options.ca],
        agent: false,
        timeout: options.timeoutMs,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      reject(new TokenRequestError(`the token request could not be sent (${String(code ?? 'error')})`, true));
      return;
    }
    req.once('timeout', () =>
      req.destroy(
        new TokenRequestError(`no answer from the token endpoint within ${options.timeoutMs} ms`, true),
      ),
    );
    req.once('error', (error) => {
      if (error instanceof TokenRequestError) reject(error);
      else {
        const code = (error as { code?: unknown }).code;
        reject(new TokenRequestError(`token endpoint unreachable (${String(code ?? error.message)})`, true));
      }
    });
    req.once('response', (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.once('error', () =>
        reject(new TokenRequestError('the token endpoint answer broke off', true)),
      );
      response.once('end', () => {
        const status = response.statusCode ?? 0;
        try {
          resolve(readGrant(status, Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.end(form);
  });
}

/** The grant of a 200 answer; a TokenRequestError for anything else. */
export function readGrant(status: number, body: string): AccessTokenGrant {
  let parsed: Record<string, unknown> = {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null) parsed = value as Record<string, unknown>;
  } catch {
    // Not JSON: judged by the status below.
  }
  const { access_token: accessToken, expires_in: expiresIn, error, error_description: description } = parsed;
  if (status === 200 && typeof accessToken === 'string' && accessToken.length > 0) {
    const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 3600;
    return { accessToken, expiresInSeconds: seconds };
  }
  const oauthError = typeof error === 'string' ? error.slice(0, 64) : undefined;
  const detail = typeof description === 'string' ? `: ${description.slice(0, 200)}` : '';
  const retryable = status === 200 || status === 429 || status >= 500;
  const message =
    status === 200
      ? 'the token endpoint answered 200 without an access_token'
      : `the token endpoint answered ${status}${oauthError === undefined ? '' : ` ${oauthError}`}${detail}`;
  throw new TokenRequestError(message, retryable, status, oauthError);
}
