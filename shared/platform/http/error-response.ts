import type { ApiErrorBody, ApiErrorCode } from '../../domain/api-error-contract';
import {
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../domain/errors';
import { type HttpResult, jsonResponse } from './responses';

/** AWS SDK error names that mean "slow down" rather than "broken". */
const THROTTLING_ERROR_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

function errorBody(
  code: ApiErrorCode,
  message: string,
  details?: ApiErrorBody['error']['details'],
): ApiErrorBody {
  return { error: details ? { code, message, details } : { code, message } };
}

/**
 * The one place where errors become HTTP answers (docs/contracts.md, registration API). Known errors keep their message;
 * anything else is a generic 500 `internal_error` with no detail and no stack trace.
 *
 * Note: in AWS, API Gateway answers some requests itself, before the function runs, with its own body
 * (`{"message": ...}`): 401 when the JWT authorizer rejects a token, 404 for a route it does not know,
 * and 429 when the stage or route throttling limits are hit.
 */
export function toErrorResponse(error: unknown): { response: HttpResult; expected: boolean } {
  if (error instanceof ValidationError) {
    return {
      response: jsonResponse(
        400,
        errorBody('invalid_request', `invalid ${error.message}`, [...error.details]),
      ),
      expected: true,
    };
  }
  if (error instanceof UnauthorizedError) {
    return { response: jsonResponse(401, errorBody('unauthorized', error.message)), expected: true };
  }
  if (error instanceof NotFoundError) {
    return { response: jsonResponse(404, errorBody('not_found', error.message)), expected: true };
  }
  if (error instanceof PayloadTooLargeError) {
    return { response: jsonResponse(413, errorBody('payload_too_large', error.message)), expected: true };
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return {
      response: jsonResponse(415, errorBody('unsupported_media_type', error.message)),
      expected: true,
    };
  }
  if (error instanceof ThrottledError || (error instanceof Error && THROTTLING_ERROR_NAMES.has(error.name))) {
    return {
      response: jsonResponse(429, errorBody('throttled', 'too many requests, retry shortly'), {
        'retry-after': '1',
      }),
      expected: true,
    };
  }
  return { response: jsonResponse(500, errorBody('internal_error', 'internal error')), expected: false };
}
