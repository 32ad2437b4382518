/**
 * The one call by which the local stack starts its console: the stack hands over what it runs, this
 * turns it into the console's sources. Kept apart so the stack's composition changes only here.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import type { LogFn } from '../api-server';
import type { LogLineSource } from '../log-lines';
import type { PhoneEventSource } from '../phone-events';
import type { TableNames } from '../services/tables';
import type { LocalStackInfo } from '../stack-types';
import { type LocalConsole, type SimulatorLink, startConsole } from './console-server';
import type { NetworkExposure } from './console-types';

export interface StackConsoleParts {
  /** Preferred port (else any free one). */
  readonly port: number;
  /** READY's fields. */
  readonly info: LocalStackInfo;
  readonly dynamoClient: DynamoDBClient;
  readonly tableNames: TableNames;
  /** How DynamoDB Local and fauxqs listen (local/services). */
  readonly dynamodb: { readonly listensOn: string; readonly bindNote?: string };
  readonly sqs: { readonly listensOn: string; peek(queueUrl: string): Message[] };
  /** Provider simulators that run (none when APNS_ENDPOINT points elsewhere). */
  readonly simulators: readonly SimulatorLink[];
  readonly phoneEvents?: PhoneEventSource;
  readonly logLines?: LogLineSource;
  readonly log: LogFn;
}

const SIMULATOR_NAMES: Readonly<Record<string, string>> = { ios: 'APNs', android: 'FCM' };

export function networkExposure(parts: StackConsoleParts): NetworkExposure[] {
  const { info } = parts;
  return [
    { service: 'API', endpoint: info.apiUrl, listensOn: '127.0.0.1' },
    {
      service: 'DynamoDB Local',
      endpoint: info.dynamodbEndpoint,
      listensOn: parts.dynamodb.listensOn,
      ...(parts.dynamodb.bindNote
        ? { note: `reachable from the network: ${parts.dynamodb.bindNote}` }
        : { note: 'bound by the loopback launcher (DynamoDB Local has no host option)' }),
    },
    { service: 'fauxqs (SQS)', endpoint: info.sqsEndpoint, listensOn: parts.sqs.listensOn },
    ...parts.simulators.map((link) => ({
      service: `${SIMULATOR_NAMES[link.platform] ?? link.platform} simulator (control API)`,
      endpoint: link.controlUrl,
      listensOn: '127.0.0.1',
    })),
  ];
}

export function startStackConsole(parts: StackConsoleParts): Promise<LocalConsole> {
  const { info } = parts;
  return startConsole({
    port: parts.port,
    stack: { ...info },
    region: info.region,
    sqsEndpoint: info.sqsEndpoint,
    queueUrl: info.queueUrl,
    dlqUrl: info.dlqUrl,
    peekQueue: (queueUrl) => parts.sqs.peek(queueUrl),
    dynamoClient: parts.dynamoClient,
    devicesTable: parts.tableNames.devices,
    simulators: parts.simulators,
    network: networkExposure(parts),
    log: parts.log,
    ...(parts.phoneEvents ? { phoneEvents: parts.phoneEvents } : {}),
    ...(parts.logLines ? { logLines: parts.logLines } : {}),
  });
}
