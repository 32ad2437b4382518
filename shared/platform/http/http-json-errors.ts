import type { MiddlewareObj } from '@middy/core';
import { toErrorResponse } from './error-response';
import type { HttpResult } from './responses';

export interface HttpJsonErrorsOptions {
  readonly logger: {
    warn(message: string, data: Record<string, unknown>): void;
    error(message: string, data: Record<string, unknown>): void;
  };
}

/**
 * middy onError: turns any error into the JSON error contract (see error-response.ts). Expected errors
 * log a warning with their class; unexpected ones log the error itself and answer a generic 500.
 */
export function httpJsonErrors(options: HttpJsonErrorsOptions): MiddlewareObj<unknown, HttpResult> {
  if (!options?.logger) throw new TypeError('httpJsonErrors: a logger is required');
  return {
    name: 'httpJsonErrors',
    onError: (request) => {
      const { response, expected } = toErrorResponse(request.error);
      if (expected) {
        options.logger.warn('request rejected', {
          errorName: request.error?.name,
          statusCode: response.statusCode,
        });
      } else {
        options.logger.error('request failed', { error: request.error });
      }
      request.response = response;
    },
  };
}
