import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthorizedError } from '../../domain/errors';

/** The caller's user id: the `sub` claim the API Gateway JWT authorizer verified. Missing → 401. */
export function requireJwtSubject(
  event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>,
): string {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 256) throw new UnauthorizedError();
  return sub;
}
