import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Platform } from '../../shared/domain/device';
import { appsOf, type DeployConfig, isDisposable } from '../config';
import { APNS_CREDENTIAL } from '../constructs/apns-secrets';
import { CallQueue } from '../constructs/call-queue';
import { CredentialSecrets } from '../constructs/credential-secrets';
import { DataTables } from '../constructs/data-tables';
import { FCM_CREDENTIAL } from '../constructs/fcm-secrets';

export interface StatefulStackProps extends StackProps {
  readonly config: DeployConfig;
}

/**
 * What holds data or credentials and must survive a redeploy of the code: the two tables, the call
 * queue and its DLQ, one APNs secret per iOS app and one FCM secret per Android app. Retained on
 * stack deletion except in `dev`.
 */
export class StatefulStack extends Stack {
  readonly tables: DataTables;
  readonly callQueue: CallQueue;
  readonly apnsSecrets: CredentialSecrets;
  readonly fcmSecrets: CredentialSecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = isDisposable(config.stage) ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.tables = new DataTables(this, 'Tables', { removalPolicy });
    this.callQueue = new CallQueue(this, 'CallQueue', {
      consumerTimeout: Duration.seconds(config.senderTimeoutSeconds),
      senderPrincipals: config.senderPrincipals,
    });
    const namePrefix = `voip-push/${config.stage}`;
    const secretsOf = (platform: Platform) => ({
      bundleIds: appsOf(config, platform).map((app) => app.bundleId),
      namePrefix,
      removalPolicy,
    });
    this.apnsSecrets = new CredentialSecrets(this, 'ApnsSecrets', secretsOf('ios'), APNS_CREDENTIAL);
    this.fcmSecrets = new CredentialSecrets(this, 'FcmSecrets', secretsOf('android'), FCM_CREDENTIAL);

    new CfnOutput(this, 'CallQueueUrl', {
      value: this.callQueue.queue.queueUrl,
      description: 'Call-control services send call events here',
    });
    new CfnOutput(this, 'CallQueueArn', { value: this.callQueue.queue.queueArn });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.callQueue.deadLetterQueue.queueUrl });
    this.outputSecrets('Apns', 'APNs', this.apnsSecrets);
    this.outputSecrets('Fcm', 'FCM', this.fcmSecrets);
  }

  /** `<Prefix>SecretArn<Bundle>` per secret; the smoke check reads the bundle id from the description. */
  private outputSecrets(prefix: string, label: string, secrets: CredentialSecrets): void {
    for (const [bundleId, arn] of secrets.secretArns) {
      new CfnOutput(this, `${prefix}SecretArn${outputSuffix(bundleId)}`, {
        value: arn,
        description: `${label} credential secret of ${bundleId} (load with put-secret-value, docs/deploy.md)`,
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
