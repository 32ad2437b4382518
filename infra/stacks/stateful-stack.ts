import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type DeployConfig, isDisposable } from '../config';
import { ApnsSecrets } from '../constructs/apns-secrets';
import { CallQueue } from '../constructs/call-queue';
import { DataTables } from '../constructs/data-tables';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * What holds data or credentials and must survive a redeploy of the code: the two tables, the call
 * queue and its DLQ, one APNs secret per app. Retained on stack deletion except in `dev`.
 */
export class StatefulStack extends Stack {
  readonly tables: DataTables;
  readonly callQueue: CallQueue;
  readonly secrets: ApnsSecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = isDisposable(config.stage) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.tables = new DataTables(this, 'Tables', { removalPolicy });
    this.callQueue = new CallQueue(this, 'CallQueue', {
      consumerTimeout: Duration.seconds(config.senderTimeoutSeconds),
      senderPrincipals: config.senderPrincipals,
    });
    this.secrets = new ApnsSecrets(this, 'ApnsSecrets', {
      bundleIds: config.apps.map((app) => app.bundleId),
      namePrefix: `voip-push/${config.stage}`,
      removalPolicy,
    });

    new CfnOutput(this, 'CallQueueUrl', {
      value: this.callQueue.queue.queueUrl,
      description: 'Call-control services send call events here',
    });
    new CfnOutput(this, 'CallQueueArn', { value: this.callQueue.queue.queueArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.callQueue.deadLetterQueue.queueUrl });
    for (const [bundleId, arn] of this.secrets.secretArns) {
      new CfnOutput(this, `ApnsSecretArn${outputSuffix(bundleId)}`, {
        value: arn,
        description: `APNs credential secret of ${bundleId} (load with put-secret-value, docs/deploy.md)`,
      });
    }
  }
}

/** Output ids allow only letters and digits: `com.example.voip` → `ComExampleVoip`. */
export function outputSuffix(bundleId: string): string {
  return bundleId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
