import { FCM_PAYLOAD_LIMIT_BYTES, fcmPayloadBytes } from '../../shared/domain/fcm-message';
import { fcmRejection, type Rejection } from './fcm-errors';

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;
const TOKEN = /^[A-Za-z0-9_:-]{1,4096}$/;
const DURATION = /^\d{1,12}(\.\d{1,9})?s$/;
const MAX_TTL_SECONDS = 2_419_200;
const RESERVED_DATA_KEY = /^(from|message_type)$|^(google|gcm)\./i;

const MESSAGE_FIELDS = new Set([
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'fcmOptions',
  'token',
  'topic',
  'condition',
]);
const ANDROID_FIELDS = new Set([
  'collapse_key',
  'collapseKey',
  'priority',
  'ttl',
  'restricted_package_name',
  'restrictedPackageName',
  'data',
  'notification',
  'fcm_options',
  'fcmOptions',
  'direct_boot_ok',
  'directBootOk',
]);
const NOTIFICATION_FIELDS = new Set(['title', 'body', 'image']);

/** A message FCM would take: its target token and the parsed message. */
export interface CheckedMessage {
  readonly token: string;
  readonly message: Record<string, unknown>;
  readonly validateOnly: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `:method` and `:path` of a send; returns the project id from the path. */
export function checkSendTarget(method: string | undefined, path: string): string | Rejection {
  const match = SEND_PATH.exec(path.split('?')[0] ?? '');
  if (match === null)
    return fcmRejection(undefined, { status: 404, message: `No route for ${path.slice(0, 80)}` });
  if (method !== 'POST') return fcmRejection(undefined, { status: 404, message: 'Method not found.' });
  return decodeURIComponent(match[1] as string);
}

/** The body of `messages:send`, checked as FCM checks it (proto JSON: unknown fields are errors). */
export function checkSendBody(body: Buffer): CheckedMessage | Rejection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return badField('', 'Invalid JSON payload received.');
  }
  if (!isObject(parsed)) return badField('', 'Invalid JSON payload received. Expected an object.');
  for (const key of Object.keys(parsed)) {
    if (key !== 'message' && key !== 'validate_only' && key !== 'validateOnly')
      return badField(
        key,
        `Invalid JSON payload received. Unknown name "${key.slice(0, 40)}": Cannot find field.`,
      );
  }
  const message = parsed.message;
  if (!isObject(message)) return badField('message', 'Request contains an invalid argument.');
  const unknown = Object.keys(message).find((key) => !MESSAGE_FIELDS.has(key));
  if (unknown !== undefined) {
    return badField(
      `message.${unknown.slice(0, 40)}`,
      `Invalid JSON payload received. Unknown name "${unknown.slice(0, 40)}" at 'message': Cannot find field.`,
    );
  }
  const token = message.token;
  if (message.topic !== undefined || message.condition !== undefined)
    return badField('message', 'The simulator serves messages to a registration token only.');
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    return {
      ...fcmRejection('INVALID_ARGUMENT', {
        message: 'The registration token is not a valid FCM registration token',
      }),
    };
  }
  const problem =
    checkData('message.data', message.data) ??
    checkNotification('message.notification', message.notification) ??
    checkAndroid(message.android);
  if (problem !== undefined) return problem;
  const sized = {
    data: (message.data ?? {}) as Record<string, string>,
    notification: message.notification as { title: string; body: string } | undefined,
  };
  const android = (message.android ?? {}) as Json;
  const bytes =
    fcmPayloadBytes({ data: sized.data, notification: textOf(sized.notification) }) +
    fcmPayloadBytes({
      data: (android.data ?? {}) as Record<string, string>,
      notification: textOf(android.notification as Json | undefined),
    });
  if (bytes > FCM_PAYLOAD_LIMIT_BYTES)
    return fcmRejection('INVALID_ARGUMENT', { message: 'Android message is too big' });
  const validateOnly = parsed.validate_only === true || parsed.validateOnly === true;
  return { token, message, validateOnly };
}

function checkData(field: string, data: unknown): Rejection | undefined {
  if (data === undefined) return undefined;
  if (!isObject(data)) return badField(field, `Invalid value at '${field}': expected a map of strings.`);
  let index = 0;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string')
      return badField(
        `${field}[${index}].value`,
        `Invalid value at '${field}[${index}].value' (TYPE_STRING)`,
      );
    if (RESERVED_DATA_KEY.test(key))
      return fcmRejection('INVALID_ARGUMENT', { message: `Invalid data payload key: ${key.slice(0, 40)}` });
    index++;
  }
  return undefined;
}

function checkNotification(field: string, notification: unknown): Rejection | undefined {
  if (notification === undefined) return undefined;
  if (!isObject(notification)) return badField(field, `Invalid value at '${field}'.`);
  for (const [key, value] of Object.entries(notification)) {
    if (!NOTIFICATION_FIELDS.has(key) && field === 'message.notification')
      return badField(
        `${field}.${key.slice(0, 40)}`,
        `Invalid JSON payload received. Unknown name "${key.slice(0, 40)}".`,
      );
    if (NOTIFICATION_FIELDS.has(key) && typeof value !== 'string')
      return badField(`${field}.${key}`, `Invalid value at '${field}.${key}' (TYPE_STRING)`);
  }
  return undefined;
}

function checkAndroid(android: unknown): Rejection | undefined {
  if (android === undefined) return undefined;
  if (!isObject(android)) return badField('message.android', "Invalid value at 'message.android'.");
  const unknown = Object.keys(android).find((key) => !ANDROID_FIELDS.has(key));
  if (unknown !== undefined) {
    return badField(
      `message.android.${unknown.slice(0, 40)}`,
      `Invalid JSON payload received. Unknown name "${unknown.slice(0, 40)}" at 'message.android': Cannot find field.`,
    );
  }
  const { priority, ttl } = android;
  if (priority !== undefined && !(typeof priority === 'string' && /^(normal|high)$/i.test(priority))) {
    return badField(
      'message.android.priority',
      "Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority)",
    );
  }
  if (ttl !== undefined) {
    if (typeof ttl !== 'string' || !DURATION.test(ttl)) {
      return badField(
        'message.android.ttl',
        "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration): Illegal duration format; duration must end with 's'",
      );
    }
    if (Number.parseFloat(ttl) > MAX_TTL_SECONDS)
      return badField('message.android.ttl', 'The ttl must be at most 2419200 seconds (4 weeks).');
  }
  const collapseKey = android.collapse_key ?? android.collapseKey;
  if (collapseKey !== undefined && typeof collapseKey !== 'string')
    return badField(
      'message.android.collapse_key',
      "Invalid value at 'message.android.collapse_key' (TYPE_STRING)",
    );
  return (
    checkData('message.android.data', android.data) ??
    checkNotification('message.android.notification', android.notification)
  );
}

function textOf(notification: Json | undefined): { title: string; body: string } | undefined {
  if (notification === undefined) return undefined;
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return { title: text(notification.title), body: text(notification.body) };
}

/** 400 INVALID_ARGUMENT with a BadRequest detail naming the field, as FCM's JSON parser answers. */
function badField(field: string, description: string): Rejection {
  return {
    status: 400,
    grpcStatus: 'INVALID_ARGUMENT',
    message: description,
    fieldViolations: [{ field, description }],
  };
}
