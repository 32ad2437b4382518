import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSenderHandler, type SenderHandler } from '../../functions/sender/create-handler';
import { buildSenderDeps } from '../../functions/sender/wiring';
import { DEV_BUNDLE_ID, devKeyPaths, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import {
  type ApnsSimulator,
  type ApnsSimulatorOptions,
  startApnsSimulator,
} from '../../local/apns-simulator/simulator';
import { devFcmCredential, devFcmKeyPaths } from '../../local/fcm-simulator/dev-credentials';
import {
  type FcmSimulator,
  type FcmSimulatorOptions,
  startFcmSimulator,
} from '../../local/fcm-simulator/simulator';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables, type TableNames } from '../../local/services/tables';
import { ApnsClient, type ApnsClientOptions } from '../../shared/adapters/apns/apns-client';
import type { ApnsTransport } from '../../shared/adapters/apns/apns-transport';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { FcmClient, type FcmClientOptions } from '../../shared/adapters/fcm/fcm-client';
import { loggerSink } from '../../shared/adapters/powertools-log';
import type { ApnsCredential } from '../../shared/domain/apns-credential';
import { ServiceName } from '../../shared/platform/metric-names';
import type { CredentialProvider } from '../../shared/ports/credential-provider';
import type { FanOutOptions } from '../../shared/use-cases/fan-out-deps';
import { MemoryMetricsSink } from '../fakes/memory-telemetry';
import { aCallEventInput } from '../kit/call-events';
import { type ConservationReport, checkConservation, type ExpectedCall } from '../support/conservation';
import { createTestQueues, testSqsClient } from '../support/local-aws';
import { findSecrets, type KnownSecret, LogCapture, pemSecrets } from '../support/log-capture';
import { deleteAll, drain, receive } from './sqs-poller';

/** An FCM registration token as FCM issues them: case-sensitive, `<instance id>:APA91b<base64url>`. */
const fcmTestToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(105).toString('base64url')}`;

/** Fast retries so a fault test takes seconds; the policy (what is retried, for how long) is the sender's. */
export const FAST_FAN_OUT: Partial<FanOutOptions> = { backoffBaseMs: 5, backoffCapMs: 40 };

export interface HarnessOptions {
  readonly name: string;
  /** A private DynamoDB Local; @default the one jest's global setup started. */
  readonly dynamodbEndpoint?: string;
  readonly simulator?: ApnsSimulatorOptions;
  readonly apns?: Omit<ApnsClientOptions, 'endpoint' | 'ca'>;
  readonly fcmSimulator?: FcmSimulatorOptions;
  readonly fcm?: Omit<FcmClientOptions, 'endpoint' | 'ca'>;
  readonly fanOut?: Partial<FanOutOptions>;
  /**
   * The sender's RETRY_AMBIGUOUS_PUSHES (through its config, as deployed). Also the only case where the
   * conservation check lets a repeat after an attempt logged `maybeDelivered` pass. @default true, as deployed
   */
  readonly retryAmbiguousPushes?: boolean;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /** The Lambda timeout each invocation sees (`getRemainingTimeInMillis`). @default 10000 */
  readonly invocationTimeoutMs?: number;
  /** Replaces the file credential provider (e.g. Secrets Manager behind aws-sdk-client-mock). */
  readonly credentials?: (apns: ApnsTransport) => CredentialProvider;
}

export interface SenderInstance {
  readonly handler: SenderHandler;
  readonly apns: ApnsClient;
  readonly fcm: FcmClient;
}

/** Which phones `seedDevices` registers: iPhones, Android phones, or the two in turn. */
export type SeedPlatform = 'ios' | 'android' | 'alternate';

export interface SeededDevice {
  readonly userId: string;
  readonly deviceId: string;
  readonly token: string;
  readonly platform: 'ios' | 'android';
}

/**
 * The sender's push path with real local services: DynamoDB Local tables, a fauxqs queue + DLQ, the
 * APNs and FCM simulators, and sender instances built by the Lambda's own `buildSenderDeps` + `createSenderHandler`
 * with a real Powertools Logger whose stdout is captured (the conservation check reads those lines).
 */
export class SenderHarness {
  readonly capture: LogCapture;
  readonly calls: ExpectedCall[] = [];
  readonly metrics = new MemoryMetricsSink();
  private readonly senders: SenderInstance[] = [];
  private readonly devicesByUser = new Map<string, SeededDevice[]>();
  private readonly tempDir = mkdtempSync(join(tmpdir(), 'voip-push-rel-'));
  readonly credentialsFile = join(this.tempDir, 'apns-credentials.json');
  readonly fcmCredentialsFile = join(this.tempDir, 'fcm-credentials.json');

  private constructor(
    readonly options: HarnessOptions,
    readonly dynamo: DynamoDBClient,
    readonly tables: TableNames,
    readonly sqs: SQSClient,
    readonly queueUrl: string,
    readonly dlqUrl: string,
    readonly simulator: ApnsSimulator,
    readonly fcmSimulator: FcmSimulator,
  ) {
    this.capture = new LogCapture(options.name);
    this.writeCredentials(devTokenCredential());
    writeFileSync(this.fcmCredentialsFile, JSON.stringify([devFcmCredential(fcmSimulator.tokenUrl)]));
  }

  static async start(options: HarnessOptions): Promise<SenderHarness> {
    const endpoint = options.dynamodbEndpoint ?? (process.env.TEST_DYNAMODB_ENDPOINT as string);
    const dynamo = new DynamoDBClient({
      endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 2,
    });
    const suffix = randomUUID().slice(0, 8);
    const tables = { devices: `rel-devices-${suffix}`, deliveries: `rel-deliveries-${suffix}` };
    await createTables(dynamo, tables);
    const sqs = testSqsClient();
    const queues = await createTestQueues(sqs, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
      maxReceiveCount: options.maxReceiveCount ?? 5,
    });
    const simulator = await startApnsSimulator({ controlPort: false, ...options.simulator });
    const fcmSimulator = await startFcmSimulator({ controlPort: false, ...options.fcmSimulator });
    return new SenderHarness(
      options,
      dynamo,
      tables,
      sqs,
      queues.queueUrl,
      queues.dlqUrl,
      simulator,
      fcmSimulator,
    );
  }

  writeCredentials(credential: ApnsCredential | readonly ApnsCredential[]): void {
    writeFileSync(this.credentialsFile, JSON.stringify(credential));
  }

  /** A fresh sender, as a new Lambda execution environment would build it (own APNs client, own caches). */
  newSender(overrides: { apns?: (client: ApnsClient) => ApnsTransport } = {}): SenderInstance {
    const client = new ApnsClient({
      endpoint: this.simulator.url,
      ca: this.simulator.caPem,
      requestTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      ...this.options.apns,
    });
    const apns = overrides.apns ? overrides.apns(client) : client;
    const fcm = new FcmClient({
      endpoint: this.fcmSimulator.url,
      ca: this.fcmSimulator.caPem,
      requestTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      ...this.options.fcm,
    });
    const logger = new Logger({ serviceName: ServiceName.sender, logLevel: 'INFO' });
    const deps = buildSenderDeps(
      {
        devicesTableName: this.tables.devices,
        deliveriesTableName: this.tables.deliveries,
        credentials: { kind: 'file', path: [this.credentialsFile, this.fcmCredentialsFile] },
        deliveryTtlDays: 7,
        retryAmbiguousPushes: this.options.retryAmbiguousPushes ?? true,
        dlqUrl: this.dlqUrl,
      },
      {
        log: loggerSink(logger),
        metrics: this.metrics,
        dynamoClient: this.dynamo,
        sqsClient: this.sqs,
        apns,
        fcm,
        fanOut: { ...FAST_FAN_OUT, ...this.options.fanOut },
      },
    );
    const custom = this.options.credentials?.(apns);
    const handler = createSenderHandler(
      custom
        ? { ...deps, fanOut: { ...deps.fanOut, credentials: custom }, deadlineMarginMs: 1000 }
        : { ...deps, deadlineMarginMs: 1000 },
    );
    const instance = { handler, apns: client, fcm };
    this.senders.push(instance);
    return instance;
  }

  /** Registers `count` devices for each user through the device repository (as the register API does). */
  async seedDevices(
    userIds: readonly string[],
    count: number,
    platforms: SeedPlatform = 'ios',
  ): Promise<SeededDevice[]> {
    const repository = new DynamoDeviceRepository({
      client: documentClientOf(this.dynamo),
      tableName: this.tables.devices,
    });
    const seeded: SeededDevice[] = [];
    for (const userId of userIds) {
      for (let i = 0; i < count; i++) {
        const android = platforms === 'android' || (platforms === 'alternate' && i % 2 === 1);
        const device: SeededDevice = android
          ? { userId, deviceId: `${userId}-d${i}`, token: fcmTestToken(), platform: 'android' }
          : { userId, deviceId: `${userId}-d${i}`, token: randomBytes(32).toString('hex'), platform: 'ios' };
        const common = { userId, deviceId: device.deviceId, bundleId: DEV_BUNDLE_ID, now: new Date() };
        await repository.register(
          android
            ? { ...common, platform: 'android', fcmToken: device.token }
            : { ...common, environment: 'sandbox', voipToken: device.token },
        );
        seeded.push(device);
        this.devicesByUser.set(userId, [...(this.devicesByUser.get(userId) ?? []), device]);
      }
    }
    return seeded;
  }

  /** A valid incoming call for these recipients, remembered as an expected call of the run. */
  callEvent(recipients: readonly string[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const callId = `c-${randomUUID()}`;
    const event = aCallEventInput({
      callId,
      recipients,
      caller: { id: 'caller-1', displayName: 'Ada' },
      ringTimeoutSeconds: 60,
      ...overrides,
    });
    this.calls.push({
      callId: String(event.callId),
      devices: recipients.flatMap((userId) =>
        (this.devicesByUser.get(userId) ?? []).map((d) => ({ deviceId: d.deviceId, token: d.token })),
      ),
    });
    return event;
  }

  async publish(bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({ Id: String(j), MessageBody: body })),
        }),
      );
    }
  }

  /** Feeds the queue to `sender` (a new one by default) until it is empty or `maxMs` passes. */
  drain(maxMs: number, sender: SenderInstance = this.newSender()): Promise<number> {
    return drain({
      sqs: this.sqs,
      queueUrl: this.queueUrl,
      handler: sender.handler,
      maxMs,
      timeoutMs: this.options.invocationTimeoutMs ?? 10_000,
    });
  }

  async deadLetters(): Promise<Array<{ body: string; reason?: string }>> {
    const letters: Array<{ body: string; reason?: string }> = [];
    for (let round = 0; round < 50; round++) {
      const batch = await receive(this.sqs, this.dlqUrl, 10);
      if (batch.length === 0) break;
      for (const m of batch) {
        const reason = m.MessageAttributes?.rejectReason?.StringValue;
        letters.push({ body: m.Body ?? '', ...(reason ? { reason } : {}) });
      }
      await deleteAll(this.sqs, this.dlqUrl, batch);
    }
    return letters;
  }

  async conservation(): Promise<ConservationReport> {
    return checkConservation({
      calls: this.calls,
      pushes: this.simulator.pushes(),
      logs: this.capture.jsonLines(),
      deadLetters: await this.deadLetters(),
      allowAmbiguousRepeats: this.options.retryAmbiguousPushes ?? true,
    });
  }

  /**
   * Secrets found in what the sender logged: a seeded device token, a line of the APNs signing or client
   * key, or anything shaped like a JWT (the provider token). Labels and line numbers only, never values.
   * `text`: another sender's output (a sender in a child process); @default what this harness captured
   */
  secretFindings(text: string = this.capture.text()): string[] {
    const secrets: KnownSecret[] = [
      ...[...this.devicesByUser.values()]
        .flat()
        .map((d) => ({ label: `token of ${d.deviceId}`, value: d.token })),
      ...pemSecrets('APNs .p8 key', readFileSync(devKeyPaths.tokenSigningKey, 'utf8')),
      ...pemSecrets('APNs client key', readFileSync(devKeyPaths.clientKey, 'utf8')),
      ...pemSecrets(
        'FCM service-account key',
        String(JSON.parse(readFileSync(devFcmKeyPaths.serviceAccount, 'utf8')).private_key),
      ),
    ];
    const found = findSecrets(text, secrets).map((f) => `${f.label} at line ${f.line}`);
    if (/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/.test(text)) found.push('a JWT');
    if (/PRIVATE KEY/.test(text)) found.push('a PEM private key header');
    return found;
  }

  async close(): Promise<void> {
    this.capture.stop();
    await Promise.allSettled(this.senders.flatMap((s) => [s.apns.close(), s.fcm.close()]));
    await this.simulator.close();
    await this.fcmSimulator.close();
    this.sqs.destroy();
    this.dynamo.destroy();
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}
