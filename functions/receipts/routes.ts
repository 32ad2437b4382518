import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError, ValidationError } from '../../shared/domain/errors';

export const RECEIPTS_ROUTE_KEY = 'POST /v1/calls/{callId}/receipts';

const RECEIPTS_PATH = /^\/v1\/calls\/([^/]+)\/receipts\/?$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw ValidationError.forField('callId', 'is not a valid path segment');
  }
}

/**
 * The call id of a receipts request: from the route key as API Gateway sends it, or from method and raw
 * path when the route key is `$default` (a catch-all route). Anything else → 404.
 */
export function resolveCallId(
  event: Pick<APIGatewayProxyEventV2, 'routeKey' | 'rawPath' | 'pathParameters' | 'requestContext'>,
): string {
  if (event.routeKey === RECEIPTS_ROUTE_KEY) return event.pathParameters?.callId ?? '';
  if (event.routeKey === '$default' && event.requestContext.http.method.toUpperCase() === 'POST') {
    const match = RECEIPTS_PATH.exec(event.rawPath);
    if (match?.[1]) return decodeSegment(match[1]);
  }
  throw new NotFoundError('no such route');
}
