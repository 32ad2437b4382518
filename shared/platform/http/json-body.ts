import type { MiddlewareObj } from '@middy/core';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../../domain/errors';

/**
 * The two body limits of the API, each enforced by its own layer:
 * - `MAX_BODY_BYTES`, the API contract's: 8 KiB of raw body bytes (base64 bodies measured after
 *   decoding), checked by the handlers (`jsonBodyParser`), answered 413 `payload_too_large`.
 * - `API_GATEWAY_MAX_BODY_BYTES`: API Gateway's own payload limit (10 MB), which it enforces before any
 *   function runs; the local API server stands in for API Gateway and enforces it too. A body between
 *   the two reaches the handler and gets the handler's 413.
 */
export const MAX_BODY_BYTES = 8192;
export const API_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The part of an API Gateway v2 event that body parsing reads. */
export interface HttpBodyEvent {
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Record<string, string | undefined>;
  readonly requestContext: { readonly http: { readonly method: string } };
}

/** Set by `jsonBodyParser`: the parsed JSON, or undefined when the request had no body. */
export interface WithJsonBody {
  jsonBody?: unknown;
}

function header(event: HttpBodyEvent, name: string): string | undefined {
  const headers = event.headers;
  if (!headers) return undefined;
  // The first own name matching in any case, as before, without an entries array per request.
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) return headers[key];
  }
  return undefined;
}

/** `String.prototype.isWellFormed` (ES2024, Node 20+): no lone surrogates. */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** `application/json`, optionally with `charset=utf-8` (any case, quoted or not). */
export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const [type, ...params] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((param) => {
    const [name, raw = ''] = param.split('=').map((part) => part.trim());
    return (
      name !== 'charset' || raw.replace(/^"|"$/g, '') === 'utf-8' || raw.replace(/^"|"$/g, '') === 'utf8'
    );
  });
}

/**
 * Checks and parses a JSON body: 413 above `maxBytes` (bytes of the raw body), 415 when not JSON,
 * 400 when malformed. Returns undefined when there is no body.
 */
export function parseJsonBody(event: HttpBodyEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  let text: string;
  if (event.isBase64Encoded) {
    // Four base64 characters carry three bytes: reject clearly oversized bodies before decoding them.
    if (raw.length > Math.ceil(maxBytes / 3) * 4 + 4) throw new PayloadTooLargeError(maxBytes);
    const bytes = Buffer.from(raw, 'base64');
    if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
    text = bytes.toString('utf8');
  } else {
    // Counted without encoding; a text body is parsed as it is unless it holds lone surrogates,
    // which the UTF-8 round trip turns into U+FFFD (kept, so such bodies parse as they always did).
    if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw new PayloadTooLargeError(maxBytes);
    text = isWellFormed(raw) ? raw : Buffer.from(raw, 'utf8').toString('utf8');
  }
  if (!isJsonContentType(header(event, 'content-type'))) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(text);
  } catch {
    throw ValidationError.forField('body', 'is not valid JSON');
  }
}

/**
 * middy before: parses the JSON body of methods that carry one (PUT, POST, PATCH) into `event.jsonBody`.
 * Other methods' bodies are ignored.
 */
export function jsonBodyParser(
  options: { maxBytes?: number; methods?: readonly string[] } = {},
): MiddlewareObj<HttpBodyEvent & WithJsonBody> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 1)
    throw new TypeError('jsonBodyParser: maxBytes must be a positive integer');
  const methods = new Set((options.methods ?? ['PUT', 'POST', 'PATCH']).map((m) => m.toUpperCase()));
  return {
    name: 'jsonBodyParser',
    before: (request) => {
      const method = request.event.requestContext.http.method.toUpperCase();
      if (methods.has(method)) request.event.jsonBody = parseJsonBody(request.event, maxBytes);
    },
  };
}
