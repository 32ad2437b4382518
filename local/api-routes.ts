import { RECEIPTS_ROUTE_KEY } from '../functions/receipts/routes';
import type { ApiRoutes, HttpLambdaHandler } from './api-server';

/** The HTTP API's routes (infra/constructs/registration-api.ts) and the function behind each. */
export function routeTable(register: HttpLambdaHandler, receipts: HttpLambdaHandler): ApiRoutes {
  return {
    'PUT /v1/devices/{deviceId}': register,
    'GET /v1/devices': register,
    'DELETE /v1/devices/{deviceId}': register,
    [RECEIPTS_ROUTE_KEY]: receipts,
  };
}
