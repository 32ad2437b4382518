import { Aws, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';

export interface LogsKeyProps {
  /** @default RemovalPolicy.RETAIN: keep it as long as the log groups it encrypts are kept */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The key the stack's log groups are encrypted with (Control Tower CT.CLOUDWATCH.PR.3). Its policy lets
 * CloudWatch Logs of this account and region use it for log groups only, as AWS documents for
 * `KmsKeyId` on a log group; nobody needs a KMS permission to write or read the logs. Disabling or
 * deleting the key makes the logs unreadable and stops new events from being stored.
 */
export class LogsKey extends EncryptionKey {
  constructor(scope: Construct, id: string, props: LogsKeyProps = {}) {
    super(scope, id, { description: 'voip-push log group encryption', removalPolicy: props.removalPolicy });
    this.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
  }
}
