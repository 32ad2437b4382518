/**
 * Errors the API contract names (docs/contracts.md, registration API). They carry no HTTP knowledge: the mapping to
 * status codes and the JSON error body lives in one place, `shared/platform/http/error-response.ts`.
 */

/** One problem with one input field; `field` is a dotted path (`voipToken`, `body`, `deviceId`). */
export interface FieldProblem {
  readonly field: string;
  readonly problem: string;
}

/** Bad input (400 `invalid_request`): names every bad field. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly details: readonly FieldProblem[];

  constructor(details: readonly [FieldProblem, ...FieldProblem[]]) {
    super(`${details[0].field}: ${details[0].problem}`);
    this.details = details;
  }

  /** The first bad field. */
  get field(): string {
    return this.details[0]?.field ?? 'body';
  }

  static forField(field: string, problem: string): ValidationError {
    return new ValidationError([{ field, problem }]);
  }
}

/** No authenticated caller (401 `unauthorized`). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'authentication required') {
    super(message);
  }
}

/** Unknown route or resource (404 `not_found`). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(message = 'not found') {
    super(message);
  }
}

/** Request body above the limit (413 `payload_too_large`). */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
  }
}

/** Request body that is not `application/json` (415 `unsupported_media_type`). */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(message = 'request body must be application/json') {
    super(message);
  }
}

/**
 * Too much contention, or a throttled dependency (429 `throttled`): the caller may retry shortly.
 * Raised when optimistic writes keep losing races after the bounded retries.
 */
export class ThrottledError extends Error {
  override readonly name = 'ThrottledError';
  constructor(message = 'too many concurrent requests, retry shortly', options?: { cause?: unknown }) {
    super(message, options);
  }
}
