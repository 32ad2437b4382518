/**
 * Source 2 of the pushes panel: the requests the APNs simulator accepted (headers and payload), read
 * from its control API (`GET /pushes?since=N`). The raw token is hashed here and never passed on; only
 * the `apns-*` headers are kept (the simulator records no others, and `authorization` must never show).
 */
import { tokenHash } from '../../../shared/domain/token-hash';
import { type ProviderPushRecord, type ProviderPushSource, pollingPushSource } from './provider-pushes';

interface SimulatorPush {
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
  readonly receivedAt: number;
}

export function toProviderRecord(push: SimulatorPush): ProviderPushRecord | undefined {
  const callId = (push.payload as { callId?: unknown } | null)?.callId;
  if (typeof callId !== 'string' || typeof push.token !== 'string') return undefined;
  const headers = Object.fromEntries(
    Object.entries(push.headers ?? {}).filter(([name]) => name.toLowerCase().startsWith('apns-')),
  );
  return {
    platform: 'ios',
    callId,
    tokenHash: tokenHash(push.token),
    pushType: headers['apns-push-type'] ?? 'unknown',
    receivedAt: typeof push.receivedAt === 'number' ? push.receivedAt : Date.now(),
    headers,
    payload: push.payload,
    ...(headers['apns-id'] ? { providerId: headers['apns-id'] } : {}),
  };
}

/** Polls the simulator's control API for pushes since the last look. */
export function apnsSimulatorPushes(controlUrl: string, intervalMs = 100): ProviderPushSource {
  return pollingPushSource<SimulatorPush>(
    { platform: 'ios', url: `${controlUrl}/pushes`, field: 'pushes', toRecord: toProviderRecord },
    intervalMs,
  );
}
