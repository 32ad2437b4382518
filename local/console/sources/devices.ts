/**
 * The devices panel and the test call's recipients: every device item of the devices table, grouped by
 * user, with each token replaced by its tokenHash. Also answers "whose token is this hash?" for pushes.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { tokenHash } from '../../../shared/domain/token-hash';
import type { DeviceView, UserDevices } from '../console-types';

/** More devices than a local stack holds; the panel says when it stopped there. */
const MAX_DEVICES = 2000;

export interface DeviceOwner {
  readonly userId: string;
  readonly deviceId: string;
}

/** `voipToken` → `voip`, `fcmToken` → `fcm`: any `<kind>Token` string attribute is a token. */
function tokenHashes(item: Record<string, unknown>): Record<string, string> {
  const tokens: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    const kind = /^([a-z]+)Token$/.exec(name)?.[1];
    if (kind && typeof value === 'string' && value !== '') tokens[kind] = tokenHash(value);
  }
  return tokens;
}

/** A device item as the console may show it: named fields only, tokens hashed. */
export function toDeviceView(item: Record<string, unknown>): DeviceView | undefined {
  const { userId, deviceId, bundleId, updatedAt } = item;
  if (typeof userId !== 'string' || typeof deviceId !== 'string') return undefined;
  return {
    userId,
    deviceId,
    platform: typeof item.platform === 'string' ? item.platform : 'ios',
    bundleId: typeof bundleId === 'string' ? bundleId : '',
    ...(typeof item.environment === 'string' ? { environment: item.environment } : {}),
    tokens: tokenHashes(item),
    ...(typeof item.appVersion === 'string' ? { appVersion: item.appVersion } : {}),
    updatedAt: typeof updatedAt === 'string' ? updatedAt : '',
  };
}

export class DeviceDirectory {
  private owners = new Map<string, DeviceOwner>();
  private lastScan: Promise<UserDevices[]> | undefined;
  private lastScanAt = 0;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Every user with devices, users and devices sorted by id. */
  async list(): Promise<UserDevices[]> {
    const devices: DeviceView[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.documents.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#type = :device',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':device': 'device' },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const view = toDeviceView(item);
        if (view) devices.push(view);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && devices.length < MAX_DEVICES);
    const owners = new Map<string, DeviceOwner>();
    const byUser = new Map<string, DeviceView[]>();
    for (const device of devices) {
      for (const hash of Object.values(device.tokens)) {
        owners.set(hash, { userId: device.userId, deviceId: device.deviceId });
      }
      byUser.set(device.userId, [...(byUser.get(device.userId) ?? []), device]);
    }
    this.owners = owners;
    return [...byUser.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([userId, list]) => ({
        userId,
        devices: list.sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
      }));
  }

  /** The owner of a token hash as of the last scan. */
  ownerOf(hash: string): DeviceOwner | undefined {
    return this.owners.get(hash);
  }

  /** Scans again unless a scan ran in the last `minIntervalMs` (pushes for new devices trigger it). */
  refresh(minIntervalMs = 1000): Promise<UserDevices[]> {
    if (this.lastScan && Date.now() - this.lastScanAt < minIntervalMs) return this.lastScan;
    this.lastScanAt = Date.now();
    this.lastScan = this.list();
    this.lastScan.catch(() => {
      this.lastScan = undefined;
    });
    return this.lastScan;
  }
}
