import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { EnvDefault, EnvName } from '../../shared/platform/env-names';
import { ServiceName } from '../../shared/platform/metric-names';
import { type DeployConfig, isDisposable } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import { PushAlarms } from '../constructs/push-alarms';
import { PushDashboard } from '../constructs/push-dashboard';
import { RegistrationApi } from '../constructs/registration-api';
import { VoipFunction } from '../constructs/voip-function';
import type { StatefulStack } from './stateful-stack';

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
      logRetention: disposable ? RetentionDays.ONE_WEEK : RetentionDays.THREE_MONTHS,
      logRemovalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    };

    const register = new VoipFunction(this, 'Register', {
      name: 'register',
      serviceName: ServiceName.register,
      environment: {
        [EnvName.maxDevicesPerUser]: String(EnvDefault.maxDevicesPerUser),
        [EnvName.deviceTtlDays]: String(EnvDefault.deviceTtlDays),
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
        [EnvName.apnsSecretArns]: stateful.secrets.arns.join(','),
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
    sender.function.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadApnsCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: stateful.secrets.arns,
      }),
    );
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
      bundleIds: config.apps.map((app) => app.bundleId),
      receiptRateFloor: config.receiptRateFloor,
    });
    const dashboard = new PushDashboard(this, 'Dashboard', {
      dashboardName: `voip-push-${config.stage}`,
      queue: stateful.callQueue.queue,
      deadLetterQueue: stateful.callQueue.deadLetterQueue,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the registration API' });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn });
  }
}
