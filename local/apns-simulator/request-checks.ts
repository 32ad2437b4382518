import type { IncomingHttpHeaders } from 'node:http2';

/** An APNs error answer. */
export interface Rejection {
  readonly status: number;
  readonly reason: string;
}

const PUSH_TYPES = new Set([
  'alert',
  'background',
  'location',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
  'pushtotalk',
  'widgets',
  'controls',
]);
const HEX = /^[0-9a-fA-F]+$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TOPIC = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
const DIGITS = /^\d{1,12}$/;
const PATH_PREFIX = '/3/device/';
const MIN_TOKEN_HEX = 32;
const MAX_TOKEN_HEX = 400;

const reject = (status: number, reason: string): Rejection => ({ status, reason });

/** Method and path, as APNs checks them first. Returns the device token, or the rejection. */
export function checkTarget(headers: IncomingHttpHeaders): string | Rejection {
  if (headers[':method'] !== 'POST') return reject(405, 'MethodNotAllowed');
  const path = headers[':path'] ?? '';
  if (!path.startsWith(PATH_PREFIX))
    return path === '/3/device' ? reject(400, 'MissingDeviceToken') : reject(404, 'BadPath');
  const token = path.slice(PATH_PREFIX.length);
  if (token.length === 0) return reject(400, 'MissingDeviceToken');
  if (
    !HEX.test(token) ||
    token.length % 2 !== 0 ||
    token.length < MIN_TOKEN_HEX ||
    token.length > MAX_TOKEN_HEX
  ) {
    return reject(400, 'BadDeviceToken');
  }
  return token.toLowerCase();
}

const TOPIC_SUFFIX: Readonly<Record<string, string>> = {
  voip: '.voip',
  complication: '.complication',
  fileprovider: '.pushkit.fileprovider',
};

/** The bundle a topic belongs to for a push type (`com.example.app.voip` for voip → `com.example.app`). */
export function bundleOfTopic(pushType: string, topic: string): string {
  const suffix = TOPIC_SUFFIX[pushType];
  return suffix !== undefined && topic.endsWith(suffix) ? topic.slice(0, -suffix.length) : topic;
}

/** A topic that belongs to another push type of a known bundle (e.g. the alert topic for a VoIP push). */
function wrongTopicKind(pushType: string, topic: string, knownBundles: ReadonlySet<string>): boolean {
  if (pushType === 'voip') return knownBundles.has(topic);
  return topic.endsWith('.voip') && knownBundles.has(topic.slice(0, -'.voip'.length));
}

/** apns-* headers: push type, topic, priority, expiration, id, collapse id. */
export function checkHeaders(
  headers: IncomingHttpHeaders,
  knownBundles: ReadonlySet<string> | undefined,
): Rejection | undefined {
  const pushType = headers['apns-push-type'];
  if (typeof pushType !== 'string' || !PUSH_TYPES.has(pushType)) return reject(400, 'InvalidPushType');
  const topic = headers['apns-topic'];
  if (typeof topic !== 'string' || topic.length === 0) return reject(400, 'MissingTopic');
  if (!TOPIC.test(topic)) return reject(400, 'BadTopic');
  if (pushType === 'voip' && !topic.endsWith('.voip')) return reject(400, 'DeviceTokenNotForTopic');
  if (knownBundles !== undefined && !knownBundles.has(bundleOfTopic(pushType, topic))) {
    return wrongTopicKind(pushType, topic, knownBundles)
      ? reject(400, 'DeviceTokenNotForTopic')
      : reject(400, 'TopicDisallowed');
  }
  const priority = headers['apns-priority'];
  if (priority !== undefined && priority !== '5' && priority !== '10') return reject(400, 'BadPriority');
  const expiration = headers['apns-expiration'];
  if (expiration !== undefined && (typeof expiration !== 'string' || !DIGITS.test(expiration))) {
    return reject(400, 'BadExpirationDate');
  }
  const id = headers['apns-id'];
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) return reject(400, 'BadMessageId');
  const collapseId = headers['apns-collapse-id'];
  if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64)
    return reject(400, 'BadCollapseId');
  return undefined;
}

/** Payload size: empty, or over 5120 bytes (VoIP) / 4096 (others). */
export function checkPayload(pushType: string, payload: Buffer): Rejection | undefined {
  if (payload.length === 0) return reject(400, 'PayloadEmpty');
  if (payload.length > (pushType === 'voip' ? 5120 : 4096)) return reject(413, 'PayloadTooLarge');
  return undefined;
}
