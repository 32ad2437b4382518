import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { loggerSink } from '../../shared/adapters/powertools-log';
import type { DeviceLimits } from '../../shared/domain/device-rules';
import { toDeviceView } from '../../shared/domain/device-view';
import type { KnownApps } from '../../shared/domain/known-apps';
import { httpJsonErrors } from '../../shared/platform/http/http-json-errors';
import { jsonBodyParser, MAX_BODY_BYTES, type WithJsonBody } from '../../shared/platform/http/json-body';
import { requireJwtSubject } from '../../shared/platform/http/jwt-subject';
import { type HttpResult, jsonResponse, noContent } from '../../shared/platform/http/responses';
import type { DeviceRepository } from '../../shared/ports/device-repository';
import type { LogSink } from '../../shared/ports/log';
import { listDevices } from '../../shared/use-cases/list-devices';
import { registerDevice } from '../../shared/use-cases/register-device';
import { removeDevice } from '../../shared/use-cases/remove-device';
import { resolveRoute } from './routes';

export type RegisterApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer & WithJsonBody;

export interface RegisterHandlerDeps {
  readonly repository: DeviceRepository;
  /** Powertools Logger: Lambda context on every line, and the rejected / failed request lines. */
  readonly logger: Logger;
  /** Where the use cases' lines go. @default loggerSink(logger) */
  readonly log?: LogSink;
  readonly limits?: Partial<DeviceLimits>;
  /** The apps the deployment can push to (KNOWN_APPS); others are refused. @default any app */
  readonly knownApps?: KnownApps;
  readonly clock?: () => Date;
  /** @default MAX_BODY_BYTES (8 KiB, the API contract's limit) */
  readonly maxBodyBytes?: number;
}

/** The registration API (docs/contracts.md) as a middy handler; the Lambda and the local server both build it here. */
export function createRegisterHandler(handlerDeps: RegisterHandlerDeps) {
  const deps = { ...handlerDeps, log: handlerDeps.log ?? loggerSink(handlerDeps.logger) };
  return middy<RegisterApiEvent, HttpResult>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(httpJsonErrors({ logger: deps.logger }))
    .use(jsonBodyParser({ maxBytes: deps.maxBodyBytes ?? MAX_BODY_BYTES }))
    .handler(async (event): Promise<HttpResult> => {
      const route = resolveRoute(event);
      const userId = requireJwtSubject(event);
      switch (route.action) {
        case 'register': {
          const device = await registerDevice(deps, {
            userId,
            deviceId: route.deviceId,
            body: event.jsonBody,
          });
          return jsonResponse(200, toDeviceView(device));
        }
        case 'list': {
          const devices = await listDevices(deps, { userId });
          return jsonResponse(200, { devices: devices.map(toDeviceView) });
        }
        case 'remove':
          await removeDevice(deps, { userId, deviceId: route.deviceId });
          return noContent();
      }
    });
}
