import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Device, deviceOf } from '../../domain/device';
import type {
  DeviceRepository,
  PruneTokenInput,
  RegisterDeviceInput,
  RegisterDeviceResult,
} from '../../ports/device-repository';
import { DEVICE_SK_PREFIX, type DeviceItem, deviceKey } from './device-items';
import { tryRemoveDevice } from './device-removal';
import { DevicesTable } from './devices-table';
import { KnownDevices } from './known-devices';
import { planRegister } from './register-plan';
import { readForRegister } from './register-read';
import { planRefresh } from './register-refresh';
import { tryPruneToken } from './token-prune';
import { isLostRace, type RetryOptions, retryOnLostRace } from './transact-retry';

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

/**
 * The devices table (docs/data-model.md): device items, token-owner items and a per-user meta item.
 * Writes are read-then-transact attempts (register-read, register-plan, device-removal,
 * token-prune), retried here after a lost race.
 */
export class DynamoDeviceRepository implements DeviceRepository {
  private readonly table: DevicesTable;
  private readonly clock: () => Date;
  private readonly retry: RetryOptions;
  private readonly known: KnownDevices;

  constructor(options: DynamoDeviceRepositoryOptions) {
    if (!options.tableName) throw new TypeError('DynamoDeviceRepository: tableName is required');
    this.table = new DevicesTable(options.client, options.tableName);
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
    const refresh = known && planRefresh(this.table.name, input, known);
    if (!refresh) return undefined;
    try {
      await this.table.transact(refresh.items);
      return refresh.result;
    } catch (error) {
      if (!isLostRace(error)) throw error;
      this.known.forget(input.userId, input.deviceId);
      return undefined;
    }
  }

  private registerFromRead(input: RegisterDeviceInput): Promise<RegisterDeviceResult> {
    return retryOnLostRace(async () => {
      const snapshot = await readForRegister(this.table, input);
      const { items, result } = planRegister(this.table.name, input, snapshot);
      await this.table.transact(items);
      return result;
    }, this.retry);
  }

  async get(userId: string, deviceId: string): Promise<Device | undefined> {
    const item = await this.table.getItem<DeviceItem>(deviceKey(userId, deviceId));
    return item && this.isLive(item) ? deviceOf(item) : undefined;
  }

  async listByUser(userId: string): Promise<Device[]> {
    const items = await this.table.queryUser(userId, DEVICE_SK_PREFIX);
    return (items as DeviceItem[]).filter((item) => this.isLive(item)).map(deviceOf);
  }

  remove(userId: string, deviceId: string): Promise<void> {
    this.known.forget(userId, deviceId);
    return retryOnLostRace(() => tryRemoveDevice(this.table, userId, deviceId), this.retry);
  }

  pruneToken(input: PruneTokenInput): Promise<boolean> {
    this.known.forget(input.userId, input.deviceId);
    return retryOnLostRace(() => tryPruneToken(this.table, input), this.retry);
  }

  private isLive(item: DeviceItem): boolean {
    return item.expiresAt > Math.floor(this.clock().getTime() / 1000);
  }
}
