/** An FCM error answer as the simulator sends it. */
export interface Rejection {
  readonly status: number;
  /** The FcmError detail's errorCode; none for errors FCM answers without one (401, 403 PERMISSION_DENIED). */
  readonly errorCode?: string;
  readonly grpcStatus: string;
  readonly message: string;
  /** A `google.rpc.BadRequest` detail naming these fields. */
  readonly fieldViolations?: readonly { readonly field: string; readonly description: string }[];
  readonly retryAfter?: number | string;
}

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

/** FCM's ErrorCode values with the HTTP status, gRPC status and message FCM answers them with. */
export const FCM_ERRORS: Readonly<Record<string, { status: number; grpcStatus: string; message: string }>> = {
  UNREGISTERED: { status: 404, grpcStatus: 'NOT_FOUND', message: 'Requested entity was not found.' },
  INVALID_ARGUMENT: {
    status: 400,
    grpcStatus: 'INVALID_ARGUMENT',
    message: 'Request contains an invalid argument.',
  },
  SENDER_ID_MISMATCH: { status: 403, grpcStatus: 'PERMISSION_DENIED', message: 'SenderId mismatch' },
  QUOTA_EXCEEDED: {
    status: 429,
    grpcStatus: 'RESOURCE_EXHAUSTED',
    message: 'Quota exceeded for quota metric messages per minute.',
  },
  UNAVAILABLE: { status: 503, grpcStatus: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  INTERNAL: { status: 500, grpcStatus: 'INTERNAL', message: 'Internal error encountered.' },
  THIRD_PARTY_AUTH_ERROR: {
    status: 401,
    grpcStatus: 'UNAUTHENTICATED',
    message: 'Auth error from APNS or Web Push Service',
  },
};

/** gRPC status of an HTTP status, for answers given without an errorCode. */
const GRPC_OF_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** FCM's answer to a bearer token it does not accept (no FcmError detail). */
export const UNAUTHENTICATED: Rejection = {
  status: 401,
  grpcStatus: 'UNAUTHENTICATED',
  message:
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
};

/** The rejection FCM gives for `errorCode`, with any field overridden. */
export function fcmRejection(
  errorCode: string | undefined,
  overrides: { status?: number; message?: string; retryAfter?: number | string } = {},
): Rejection {
  const known = errorCode === undefined ? undefined : FCM_ERRORS[errorCode];
  const status = overrides.status ?? known?.status ?? 500;
  const rejection: Rejection =
    errorCode === undefined && status === 401
      ? UNAUTHENTICATED
      : {
          status,
          ...(errorCode === undefined ? {} : { errorCode }),
          grpcStatus: known?.grpcStatus ?? GRPC_OF_STATUS[status] ?? 'UNKNOWN',
          message: known?.message ?? `Simulated error ${status}.`,
        };
  return {
    ...rejection,
    ...(overrides.message === undefined ? {} : { message: overrides.message }),
    ...(overrides.retryAfter === undefined ? {} : { retryAfter: overrides.retryAfter }),
  };
}

/** The JSON body FCM answers errors with. */
export function errorBody(rejection: Rejection): string {
  const details: unknown[] = [];
  if (rejection.errorCode !== undefined)
    details.push({ '@type': FCM_ERROR_TYPE, errorCode: rejection.errorCode });
  if (rejection.fieldViolations !== undefined)
    details.push({ '@type': BAD_REQUEST_TYPE, fieldViolations: rejection.fieldViolations });
  return JSON.stringify({
    error: {
      code: rejection.status,
      message: rejection.message,
      status: rejection.grpcStatus,
      ...(details.length === 0 ? {} : { details }),
    },
  });
}
