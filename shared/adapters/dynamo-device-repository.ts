import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Device } from '../domain/device';
import type {
  DeviceRepository,
  PruneTokenInput,
  RegisterDeviceInput,
  RegisterDeviceResult,
} from '../ports/device-repository';
import {
  DEVICE_SK_PREFIX,
  type DeviceItem,
  deviceKey,
  heldTokens,
  isOwnedBy,
  type Key,
  META_SK,
  metaKey,
  ownerKey,
  type TokenOwnerItem,
  toDevice,
  tokenAttribute,
  type UserMetaItem,
  userPk,
} from './dynamo-device-items';
import {
  chooseVictims,
  deleteDevice,
  deleteOwner,
  deviceRef,
  planRegister,
  type RegisterSnapshot,
  type TransactItem,
  wantedTokens,
} from './dynamo-register-plan';
import { KnownDevices, planRefresh } from './dynamo-register-refresh';
import { isLostRace, type RetryOptions, retryOnLostRace } from './dynamo-transact-retry';

export interface DynamoDeviceRepositoryOptions {
  /** A document client built with `removeUndefinedValues: true`. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Reads hide devices whose TTL has passed but that DynamoDB has not deleted yet. */
  readonly clock?: () => Date;
  readonly retry?: RetryOptions;
  /**
   * Devices this process remembers from its own registrations (default 10,000; 0 turns it off), so a
   * repeat registration with the same tokens can be one conditional transaction without reads.
   */
  readonly knownDevices?: number;
}

/** The devices table (docs/data-model.md): device items, token-owner items and a per-user meta item. */
export class DynamoDeviceRepository implements DeviceRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly clock: () => Date;
  private readonly retry: RetryOptions;
  private readonly known: KnownDevices;

  constructor(options: DynamoDeviceRepositoryOptions) {
    if (!options.tableName) throw new TypeError('DynamoDeviceRepository: tableName is required');
    this.client = options.client;
    this.table = options.tableName;
    this.clock = options.clock ?? (() => new Date());
    this.retry = options.retry ?? {};
    this.known = new KnownDevices(options.knownDevices ?? 10_000);
  }

  /**
   * A device this process registered before, coming back with the same tokens (the app's launch-time
   * refresh), is first tried as one conditional transaction without reads (planRefresh). Any other
   * registration, or a refresh whose conditions fail, reads and plans (planRegister), retrying lost races.
   */
  async register(input: RegisterDeviceInput): Promise<RegisterDeviceResult> {
    const result = (await this.tryRefresh(input)) ?? (await this.registerFromRead(input));
    this.known.remember(result.device);
    return result;
  }

  private async tryRefresh(input: RegisterDeviceInput): Promise<RegisterDeviceResult | undefined> {
    const known = this.known.get(input.userId, input.deviceId);
    const refresh = known && planRefresh(this.table, input, known);
    if (!refresh) return undefined;
    try {
      await this.transact(refresh.items);
      return refresh.result;
    } catch (error) {
      if (!isLostRace(error)) throw error;
      this.known.forget(input.userId, input.deviceId);
      return undefined;
    }
  }

  private registerFromRead(input: RegisterDeviceInput): Promise<RegisterDeviceResult> {
    return retryOnLostRace(async () => {
      const { items, result } = planRegister(this.table, input, await this.readForRegister(input));
      await this.transact(items);
      return result;
    }, this.retry);
  }

  async get(userId: string, deviceId: string): Promise<Device | undefined> {
    const item = await this.getItem<DeviceItem>(deviceKey(userId, deviceId));
    return item && this.isLive(item) ? toDevice(item) : undefined;
  }

  async listByUser(userId: string): Promise<Device[]> {
    const items = await this.queryUser(userId, DEVICE_SK_PREFIX);
    return (items as DeviceItem[]).filter((item) => this.isLive(item)).map(toDevice);
  }

  remove(userId: string, deviceId: string): Promise<void> {
    this.known.forget(userId, deviceId);
    return retryOnLostRace(async () => {
      const [device, meta] = await Promise.all([
        this.getItem<DeviceItem>(deviceKey(userId, deviceId)),
        this.getItem<UserMetaItem>(metaKey(userId)),
      ]);
      if (!device) return;
      const owners = await this.readOwners(heldTokens(device).map(([, token]) => token));
      const items: TransactItem[] = [deleteDevice(this.table, device)];
      for (const [token, owner] of owners) {
        if (owner && isOwnedBy(owner, userId, deviceId)) items.push(deleteOwner(this.table, token, owner));
      }
      if (meta) {
        items.push({
          Update: {
            TableName: this.table,
            Key: metaKey(userId),
            UpdateExpression: 'SET #count = :count, #version = :next',
            ConditionExpression: '#version = :read',
            ExpressionAttributeNames: { '#count': 'deviceCount', '#version': 'version' },
            ExpressionAttributeValues: {
              ':count': Math.max(0, meta.deviceCount - 1),
              ':next': meta.version + 1,
              ':read': meta.version,
            },
          },
        });
      }
      await this.transact(items);
    }, this.retry);
  }

  pruneToken(input: PruneTokenInput): Promise<boolean> {
    const attribute = tokenAttribute(input.kind);
    this.known.forget(input.userId, input.deviceId);
    return retryOnLostRace(async () => {
      const [device, owner] = await Promise.all([
        this.getItem<DeviceItem>(deviceKey(input.userId, input.deviceId)),
        this.getItem<TokenOwnerItem>(ownerKey(input.token)),
      ]);
      if (!device || device[attribute] !== input.token) return false;
      if (input.registeredBefore && !(Date.parse(device.updatedAt) < input.registeredBefore.getTime()))
        return false;
      const items: TransactItem[] = [
        {
          Update: {
            TableName: this.table,
            Key: deviceKey(input.userId, input.deviceId),
            UpdateExpression: 'REMOVE #token ADD #version :one',
            ConditionExpression: '#version = :read AND #token = :token',
            ExpressionAttributeNames: { '#token': attribute, '#version': 'version' },
            ExpressionAttributeValues: { ':one': 1, ':read': device.version, ':token': input.token },
          },
        },
      ];
      if (owner && isOwnedBy(owner, input.userId, input.deviceId))
        items.push(deleteOwner(this.table, input.token, owner));
      await this.transact(items);
      return true;
    }, this.retry);
  }

  /** Everything a registration's conditions depend on, read strongly consistently in two rounds. */
  private async readForRegister(input: RegisterDeviceInput): Promise<RegisterSnapshot> {
    const wanted = wantedTokens(input).map(([, token]) => token);
    const [partition, wantedOwners] = await Promise.all([
      this.queryUser(input.userId),
      this.readOwners(wanted),
    ]);
    const devices = partition.filter((item) => item.sk.startsWith(DEVICE_SK_PREFIX)) as DeviceItem[];
    const meta = partition.find((item) => item.sk === META_SK) as UserMetaItem | undefined;
    const current = devices.find((device) => device.deviceId === input.deviceId);

    const released = [current, ...chooseVictims(input, devices)].flatMap((item) =>
      item ? heldTokens(item).map(([, token]) => token) : [],
    );
    const otherRefs = [...wantedOwners.values()].filter(
      (owner): owner is TokenOwnerItem => owner !== undefined && owner.userId !== input.userId,
    );
    const [releasedOwners, others] = await Promise.all([
      this.readOwners(released.filter((token) => !wantedOwners.has(token))),
      Promise.all(
        otherRefs.map((owner) => this.getItem<DeviceItem>(deviceKey(owner.userId, owner.deviceId))),
      ),
    ]);
    const otherDevices = new Map<string, DeviceItem | undefined>();
    otherRefs.forEach((owner, i) => {
      otherDevices.set(deviceRef(owner.userId, owner.deviceId), others[i]);
    });
    return { devices, meta, owners: new Map([...wantedOwners, ...releasedOwners]), otherDevices };
  }

  private async readOwners(tokens: readonly string[]): Promise<Map<string, TokenOwnerItem | undefined>> {
    const unique = [...new Set(tokens)];
    const owners = await Promise.all(unique.map((token) => this.getItem<TokenOwnerItem>(ownerKey(token))));
    return new Map(unique.map((token, i) => [token, owners[i]]));
  }

  private async getItem<T>(key: Key): Promise<T | undefined> {
    const answer = await this.client.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    return answer.Item as T | undefined;
  }

  /** All items of a user's partition (optionally only sort keys starting with `prefix`), every page. */
  private async queryUser(userId: string, prefix?: string): Promise<Key[]> {
    const items: Key[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: prefix
            ? { ':pk': userPk(userId), ':prefix': prefix }
            : { ':pk': userPk(userId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as Key[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private async transact(items: TransactItem[]): Promise<void> {
    await this.client.send(new TransactWriteCommand({ TransactItems: items }));
  }

  private isLive(item: DeviceItem): boolean {
    return item.expiresAt > Math.floor(this.clock().getTime() / 1000);
  }
}
