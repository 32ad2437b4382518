/**
 * The console's HTTP plumbing: JSON bodies with limits, and errors shaped like the API's
 * (`{ error: { code, message, details? } }`) so bad input always gets a precise 4xx.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodError } from 'zod';
import type { ConsoleError } from './console-types';

export const MAX_BODY_BYTES = 64 * 1024;

type Detail = { readonly field: string; readonly problem: string };

export class ConsoleHttpError extends Error {
  override readonly name = 'ConsoleHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: readonly Detail[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }

  body(): ConsoleError {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}

export const invalid = (message: string, details?: readonly Detail[]) =>
  new ConsoleHttpError(400, 'invalid_request', message, details);

/** A zod failure as a 400 naming every bad field. */
export function invalidFrom(error: ZodError, what: string): ConsoleHttpError {
  const details = error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    problem: issue.message,
  }));
  const first = details[0];
  return invalid(first ? `${what}: ${first.field}: ${first.problem}` : `${what} is invalid`, details);
}

/** The request body as JSON: 415 unless it says JSON, 413 past the limit, 400 when it does not parse. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new ConsoleHttpError(
      415,
      'unsupported_media_type',
      'send the body as Content-Type: application/json',
    );
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw invalid('the body is empty: send a JSON object');
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('the body is not valid JSON');
  }
}

function tooLarge(): ConsoleHttpError {
  return new ConsoleHttpError(
    413,
    'payload_too_large',
    `the body exceeds ${MAX_BODY_BYTES} bytes`,
    undefined,
    {
      connection: 'close',
    },
  );
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}
