import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import { ApnsGateway } from '../../shared/adapters/apns/apns-gateway';
import type { ApnsTransport } from '../../shared/adapters/apns/apns-transport';
import { createDynamoClient, documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import { FcmGateway } from '../../shared/adapters/fcm/fcm-gateway';
import type { FcmSender } from '../../shared/adapters/fcm/fcm-outcome';
import { FileCredentialProvider } from '../../shared/adapters/file-credential-provider';
import { createLogger, loggerSink } from '../../shared/adapters/powertools-log';
import { createMetrics, PowertoolsMetricsSink } from '../../shared/adapters/powertools-metrics';
import { SecretsCredentialProvider } from '../../shared/adapters/secrets-credential-provider';
import { ServiceName } from '../../shared/platform/metric-names';
import type { LogSink } from '../../shared/ports/log';
import type { MetricsSink } from '../../shared/ports/metrics';
import {
  DEFAULT_FAN_OUT_OPTIONS,
  type FanOutOptions,
  systemClock,
} from '../../shared/use-cases/fan-out-deps';
import type { SenderConfig } from './config';
import type { SenderHandlerDeps } from './create-handler';
import { SqsDeadLetterSink } from './dead-letter';
import { SqsRedelivery } from './redelivery';

export interface SenderWiringOptions {
  /** @default a Powertools Logger of the sender service */
  readonly log?: LogSink;
  /** @default EMF through Powertools Metrics of the sender service */
  readonly metrics?: MetricsSink;
  /** Reuse clients the caller already has (local stack, bench, tests); built from the config otherwise. */
  readonly dynamoClient?: DynamoDBClient;
  readonly sqsClient?: SQSClient;
  /** The APNs transport; @default an ApnsClient from the config. */
  readonly apns?: ApnsTransport;
  /** The FCM transport; @default an FcmClient from the config. */
  readonly fcm?: FcmSender;
  readonly fanOut?: Partial<FanOutOptions>;
}

/** The sender's handler deps, and how to close what they opened. */
export interface SenderDeps extends SenderHandlerDeps {
  /** Closes the APNs and FCM connections (the local stack and tests; a Lambda environment never needs it). */
  close(): Promise<void>;
}

/** Builds the sender's adapters from its configuration: once per execution environment. */
export function buildSenderDeps(config: SenderConfig, options: SenderWiringOptions = {}): SenderDeps {
  const log = options.log ?? loggerSink(createLogger(ServiceName.sender, undefined, { compact: true }));
  const metrics = options.metrics ?? new PowertoolsMetricsSink(createMetrics(ServiceName.sender));
  const dynamo =
    options.dynamoClient ??
    createDynamoClient({
      ...(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {}),
      // A hanging request must not outlive the lease or the ring window: fail it and let the SDK retry.
      timeouts: { connectionMs: 1000, requestMs: 2000 },
    });
  const documents = documentClientOf(dynamo);
  const apns =
    options.apns ??
    new ApnsClient({
      ...(config.apnsEndpoint ? { endpoint: config.apnsEndpoint } : {}),
      ...(config.apnsCaFile ? { ca: readFileSync(config.apnsCaFile, 'utf8') } : {}),
    });
  const fcm =
    options.fcm ??
    new FcmClient({
      ...(config.fcmEndpoint ? { endpoint: config.fcmEndpoint } : {}),
      ...(config.fcmCaFile ? { ca: readFileSync(config.fcmCaFile, 'utf8') } : {}),
    });
  const credentials =
    config.credentials.kind === 'secrets'
      ? new SecretsCredentialProvider({
          secretIds: config.credentials.secretIds,
          maxAgeSeconds: config.credentials.cacheSeconds,
          log,
          metrics,
          apns,
        })
      : new FileCredentialProvider({ path: config.credentials.path, log, metrics, apns });
  const sqs =
    options.sqsClient ??
    (config.dlqUrl || config.callQueueUrl
      ? new SQSClient(config.sqsEndpoint ? { endpoint: config.sqsEndpoint } : {})
      : undefined);
  return {
    fanOut: {
      devices: new DynamoDeviceRepository({ client: documents, tableName: config.devicesTableName }),
      gateways: {
        ios: new ApnsGateway({ transport: apns, newApnsId: randomUUID }),
        android: new FcmGateway({ transport: fcm }),
      },
      credentials,
      deliveries: new DynamoDeliveryStore(documents, {
        tableName: config.deliveriesTableName,
        ttlDays: config.deliveryTtlDays,
      }),
      clock: systemClock,
      log,
      metrics,
      random: Math.random,
      options: {
        ...DEFAULT_FAN_OUT_OPTIONS,
        retryAmbiguousPushes: config.retryAmbiguousPushes,
        ...options.fanOut,
      },
    },
    ...(config.dlqUrl && sqs ? { deadLetters: new SqsDeadLetterSink(sqs, config.dlqUrl) } : {}),
    ...(config.callQueueUrl && sqs ? { redelivery: new SqsRedelivery(sqs, config.callQueueUrl) } : {}),
    close: async () => {
      await Promise.all([apns.close(), fcm.close()]);
    },
  };
}
