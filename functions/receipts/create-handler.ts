import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { loggerSink } from '../../shared/adapters/powertools-log';
import { httpJsonErrors } from '../../shared/platform/http/http-json-errors';
import { jsonBodyParser, MAX_BODY_BYTES, type WithJsonBody } from '../../shared/platform/http/json-body';
import { requireJwtSubject } from '../../shared/platform/http/jwt-subject';
import { type HttpResult, jsonResponse } from '../../shared/platform/http/responses';
import type { DeviceRepository } from '../../shared/ports/device-repository';
import type { LogSink } from '../../shared/ports/log';
import type { MetricsSink } from '../../shared/ports/metrics';
import type { ReceiptStore } from '../../shared/ports/receipt-store';
import { recordReceipt } from '../../shared/use-cases/record-receipt';
import { resolveCallId } from './routes';

export type ReceiptsApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer & WithJsonBody;

export interface ReceiptsHandlerDeps {
  readonly devices: Pick<DeviceRepository, 'get'>;
  readonly receipts: ReceiptStore;
  /** Powertools Logger: Lambda context on every line, and the rejected / failed request lines. */
  readonly logger: Logger;
  /** Where `receipt recorded` goes. @default loggerSink(logger) */
  readonly log?: LogSink;
  readonly metrics: MetricsSink;
  readonly clock?: () => Date;
  /** @default MAX_BODY_BYTES (8 KiB, the API contract's limit) */
  readonly maxBodyBytes?: number;
}

/** `POST /v1/calls/{callId}/receipts` as a middy handler; the Lambda and the local server both build it here. */
export function createReceiptsHandler(deps: ReceiptsHandlerDeps) {
  const log = deps.log ?? loggerSink(deps.logger);
  return middy<ReceiptsApiEvent, HttpResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(httpJsonErrors({ logger: deps.logger }))
    .use(jsonBodyParser({ maxBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES }))
    .handler(async (event): Promise<HttpResult> => {
      const callId = resolveCallId(event);
      const userId = requireJwtSubject(event);
      const outcome = await recordReceipt(
        { devices: deps.devices, receipts: deps.receipts, log, metrics: deps.metrics, clock: deps.clock },
        { userId, callId, body: event.jsonBody },
      );
      // Only a first receipt emits metrics; flushing an empty store would only log a Powertools warning.
      if (outcome.firstReceipt) deps.metrics.flush();
      return jsonResponse(200, outcome.view);
    });
}
