import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AccountPrincipal, ArnPrincipal, type IPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface CallQueueProps {
  /**
   * The sender Lambda's timeout. The queue's visibility timeout is six times this, as AWS advises for an
   * SQS event source, so a record is not handed out again while a batch is still being worked on.
   */
  readonly consumerTimeout: Duration;
  /**
   * Who may send call events: 12-digit account ids (any principal of that account whose own IAM policy
   * allows it) or IAM role ARNs. Same-account senders need no entry: their IAM policy is enough.
   * @default - none: only principals of this account
   */
  readonly senderPrincipals?: readonly string[];
  /**
   * Receives before a record goes to the dead-letter queue.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * What happens to both queues when the stack is deleted.
   * @default RemovalPolicy.DESTROY (messages are short-lived call events)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The call-event queue (docs/contracts.md, call event) and its dead-letter queue. SQS-managed encryption (SSE-SQS)
 * rather than a KMS key, so call-control services in other accounts can send without KMS grants;
 * both queues deny any request that is not over TLS.
 */
export class CallQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CallQueueProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Says "this is a dead-letter queue" (Control Tower CT.SQS.PR.1 wants a DLQ on every other queue).
      // allowAll is SQS's default; naming the call queue (byQueue) would make the two queues refer to each other.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
      removalPolicy,
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
      removalPolicy,
    });

    const principals = (props.senderPrincipals ?? []).map(toPrincipal);
    if (principals.length > 0) {
      this.queue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowCallControlToSend',
          actions: ['sqs:SendMessage'],
          principals,
          resources: [this.queue.queueArn],
        }),
      );
    }
  }
}

function toPrincipal(principal: string): IPrincipal {
  return /^\d{12}$/.test(principal) ? new AccountPrincipal(principal) : new ArnPrincipal(principal);
}
