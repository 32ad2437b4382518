import type { RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface EncryptionKeyProps {
  readonly description: string;
  /** @default RemovalPolicy.RETAIN (the CDK's default for keys) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer-managed KMS key as the project makes every one: rotated yearly, and no principal may
 * create a grant on it unless the grant is for an AWS resource or the caller is an AWS service
 * (Control Tower CT.KMS.PR.3), so a grant can never hand the key to someone the key policy does not name.
 */
export class EncryptionKey extends Key {
  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id, {
      description: props.description,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.addToResourcePolicy(
      new PolicyStatement({
        sid: 'GrantsOnlyForAwsServices',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
