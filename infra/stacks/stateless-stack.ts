import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { formatKnownApps } from '../../shared/domain/known-apps';
import { EnvDefault, EnvName } from '../../shared/platform/env-names';
import { ServiceName } from '../../shared/platform/metric-names';
import { appsOf, type DeployConfig, isDisposable, platformsOf } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { LogsKey } from '../constructs/logs-key';
import { PushAlarms } from '../constructs/push-alarms';
import { PushDashboard } from '../constructs/push-dashboard';
import { RegistrationApi } from '../constructs/registration-api';
import { TEST_ISSUER_AUDIENCE, TestIssuer } from '../constructs/test-issuer';
import { VoipFunction } from '../constructs/voip-function';
import type { PublicSigningJwk } from '../test-issuer-key';
import type { StatefulStack } from './stateful-stack';

/** The sender's list of secret ids, left unset when the platform has no app (the sender needs one list). */
function secretList(name: string, arns: readonly string[]): Record<string, string> {
  return arns.length > 0 ? { [name]: arns.join(',') } : {};
}

export interface StatelessStackProps extends StackProps {
  readonly config: DeployConfig;
  /** Tables, queues and secrets this stack's functions use. */
  readonly stateful: StatefulStack;
}

/** Code and its wiring, safe to destroy and redeploy: functions, the HTTP API, alarms and the dashboard. */
export class StatelessStack extends Stack {
  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful } = props;
    const { devices, deliveries } = stateful.tables;
    const disposable = isDisposable(config.stage);
    const logs = {
      // A year, as Control Tower's CT.CLOUDWATCH.PR.2 asks, except in the disposable stage.
      logRetention: disposable ? RetentionDays.ONE_WEEK : RetentionDays.ONE_YEAR,
      logRemovalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      logEncryptionKey: new LogsKey(this, 'LogsKey', {
        removalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      }),
    };
    if (disposable) {
      Validations.of(this).acknowledge({
        id: 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check',
        reason:
          'CT.CLOUDWATCH.PR.2 (a year of logs) does not fit the dev stage: its log groups are deleted with the stack, ' +
          'so a year could not be kept anyway; a week covers debugging. Staging and prod keep a year.',
      });
    }

    const register = new VoipFunction(this, 'Register', {
      name: 'register',
      serviceName: ServiceName.register,
      environment: {
        [EnvName.maxDevicesPerUser]: String(EnvDefault.maxDevicesPerUser),
        [EnvName.deviceTtlDays]: String(EnvDefault.deviceTtlDays),
        // A device of an app without a credential here would never ring: refused with 400.
        [EnvName.knownApps]: formatKnownApps(config.apps),
      },
      ...logs,
    });
    register.bindTable(EnvName.devicesTable, devices, 'readWrite');

    const receipts = new VoipFunction(this, 'Receipts', {
      name: 'receipts',
      serviceName: ServiceName.receipts,
      ...logs,
    });
    receipts.bindTable(EnvName.devicesTable, devices, 'read');
    receipts.bindTable(EnvName.deliveriesTable, deliveries, 'readWrite');

    const senderTimeout = Duration.seconds(config.senderTimeoutSeconds);
    const sender = new VoipFunction(this, 'Sender', {
      name: 'sender',
      serviceName: ServiceName.sender,
      timeout: senderTimeout,
      memorySize: config.senderMemoryMb,
      environment: {
        ...secretList(EnvName.apnsSecretArns, stateful.apnsSecrets.arns),
        ...secretList(EnvName.fcmSecretArns, stateful.fcmSecrets.arns),
        [EnvName.credentialCacheSeconds]: String(EnvDefault.credentialCacheSeconds),
        [EnvName.deliveryTtlDays]: String(EnvDefault.deliveryTtlDays),
        // A malformed event goes straight to the DLQ with its rejection reason (functions/sender/create-handler.ts).
        [EnvName.dlqUrl]: stateful.callQueue.deadLetterQueue.queueUrl,
        // A deferred record is made visible again within a second, not after the visibility timeout.
        [EnvName.callQueueUrl]: stateful.callQueue.queue.queueUrl,
      },
      ...logs,
    });
    sender.bindTable(EnvName.devicesTable, devices, 'read');
    sender.bindTable(EnvName.deliveriesTable, deliveries, 'readWrite');
    // Token pruning after 410 / BadDeviceToken is the only write the sender makes to devices.
    sender.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'PruneDeviceTokens',
        actions: ['dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [devices.tableArn],
      }),
    );
    // The secrets use the AWS-managed key aws/secretsmanager: reading one needs no KMS right of its own.
    for (const [sid, arns] of [
      ['ReadApnsCredentials', stateful.apnsSecrets.arns],
      ['ReadFcmCredentials', stateful.fcmSecrets.arns],
    ] as const) {
      if (arns.length === 0) continue;
      sender.function.addToRolePolicy(
        new PolicyStatement({ sid, actions: ['secretsmanager:GetSecretValue'], resources: arns }),
      );
    }
    stateful.callQueue.deadLetterQueue.grantSendMessages(sender.function);
    sender.function.addEventSource(
      new SqsEventSource(stateful.callQueue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        maxConcurrency: config.senderMaxConcurrency,
      }),
    );

    const api = new RegistrationApi(this, 'Api', {
      registerFunction: register.function,
      receiptsFunction: receipts.function,
      jwtIssuer: config.jwtIssuer,
      jwtAudience: config.jwtAudience,
      throttle: config.throttle,
      accessLogRetention: logs.logRetention,
      accessLogRemovalPolicy: logs.logRemovalPolicy,
      accessLogEncryptionKey: logs.logEncryptionKey,
    });

    const alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: config.alarmEmail,
      keyRemovalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    new PushAlarms(this, 'Alarms', {
      topic: alarmTopic.topic,
      queue: stateful.callQueue.queue,
      deadLetterQueue: stateful.callQueue.deadLetterQueue,
      functions: { Register: register.function, Receipts: receipts.function, Sender: sender.function },
      bundleIds: appsOf(config, 'ios').map((app) => app.bundleId),
      platforms: platformsOf(config),
      receiptRateFloor: config.receiptRateFloor,
    });
    const dashboard = new PushDashboard(this, 'Dashboard', {
      dashboardName: `voip-push-${config.stage}`,
      platforms: platformsOf(config),
      queue: stateful.callQueue.queue,
      deadLetterQueue: stateful.callQueue.deadLetterQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the registration API' });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn });

    if (config.testIssuerPublicKey) {
      this.addSmokeApi(
        config.testIssuerPublicKey,
        { register: register.function, receipts: receipts.function },
        logs,
      );
    }
  }

  /**
   * Opt-in (`testIssuerPublicKey`): the same routes and functions behind a second, tightly throttled API
   * whose authorizer trusts only the test issuer, so a smoke check needs no identity provider. The main
   * API keeps trusting only `jwtIssuer` (an HTTP API authorizer has one issuer).
   */
  private addSmokeApi(
    publicJwk: PublicSigningJwk,
    functions: { register: IFunction; receipts: IFunction },
    logs: { logRetention: RetentionDays; logRemovalPolicy: RemovalPolicy; logEncryptionKey: IKey },
  ): void {
    const issuer = new TestIssuer(this, 'TestIssuer', { publicJwk, ...logs });
    const smokeApi = new RegistrationApi(this, 'SmokeApi', {
      registerFunction: functions.register,
      receiptsFunction: functions.receipts,
      jwtIssuer: issuer.url,
      jwtAudience: [TEST_ISSUER_AUDIENCE],
      throttle: { rateLimit: 5, burstLimit: 10 },
      accessLogRetention: logs.logRetention,
      accessLogRemovalPolicy: logs.logRemovalPolicy,
      accessLogEncryptionKey: logs.logEncryptionKey,
    });
    new CfnOutput(this, 'SmokeApiUrl', {
      value: smokeApi.url,
      description: 'Registration API that accepts test-issuer tokens (smoke checks only)',
    });
    new CfnOutput(this, 'TestIssuerUrl', { value: issuer.url, description: 'iss of smoke-check tokens' });
    new CfnOutput(this, 'TestIssuerAudience', { value: TEST_ISSUER_AUDIENCE });
    new CfnOutput(this, 'TestIssuerKeyId', {
      value: publicJwk.kid,
      description: 'kid of smoke-check tokens',
    });
  }
}
