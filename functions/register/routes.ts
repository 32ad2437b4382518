import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError, ValidationError } from '../../shared/domain/errors';

export type RegisterRoute =
  | { readonly action: 'register'; readonly deviceId: string }
  | { readonly action: 'list' }
  | { readonly action: 'remove'; readonly deviceId: string };

const DEVICE_PATH = /^\/v1\/devices\/([^/]+)$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw ValidationError.forField('deviceId', 'is not a valid path segment');
  }
}

function fromMethodAndPath(method: string, path: string): RegisterRoute | undefined {
  if (path === '/v1/devices' || path === '/v1/devices/')
    return method === 'GET' ? { action: 'list' } : undefined;
  const match = DEVICE_PATH.exec(path);
  if (!match?.[1]) return undefined;
  if (method === 'PUT') return { action: 'register', deviceId: decodeSegment(match[1]) };
  if (method === 'DELETE') return { action: 'remove', deviceId: decodeSegment(match[1]) };
  return undefined;
}

/**
 * Maps an HTTP API v2 event to a route: by `routeKey` as API Gateway sends it, or by method and raw path
 * when the route key is `$default` (a catch-all route, or the local server). Unknown → 404.
 */
export function resolveRoute(
  event: Pick<APIGatewayProxyEventV2, 'routeKey' | 'rawPath' | 'pathParameters' | 'requestContext'>,
): RegisterRoute {
  const deviceId = event.pathParameters?.deviceId ?? '';
  let route: RegisterRoute | undefined;
  switch (event.routeKey) {
    case 'PUT /v1/devices/{deviceId}':
      route = { action: 'register', deviceId };
      break;
    case 'GET /v1/devices':
      route = { action: 'list' };
      break;
    case 'DELETE /v1/devices/{deviceId}':
      route = { action: 'remove', deviceId };
      break;
    case '$default':
      route = fromMethodAndPath(event.requestContext.http.method.toUpperCase(), event.rawPath);
      break;
    default:
      route = undefined;
  }
  if (!route) throw new NotFoundError('no such route');
  return route;
}
