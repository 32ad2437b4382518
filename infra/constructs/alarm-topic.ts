import { RemovalPolicy } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';

export interface AlarmTopicProps {
  /**
   * Address subscribed to the topic (AWS sends a confirmation mail first).
   * @default - no subscription; subscribe a pager or chat integration yourself
   */
  readonly email?: string;
  /**
   * Removal policy of the topic's KMS key.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

/**
 * The SNS topic every alarm notifies. Encrypted with a customer-managed key because CloudWatch cannot
 * publish to a topic under the AWS-managed `aws/sns` key; the key lets only CloudWatch use it.
 * Publishing requires TLS.
 */
export class AlarmTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const key = new EncryptionKey(this, 'Key', {
      description: 'voip-push alarm topic encryption',
      removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      masterKey: key,
      enforceSSL: true,
      displayName: 'voip-push alarms',
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}
