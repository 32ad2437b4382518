import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface CredentialSecretsProps {
  /** One secret is made per bundle id (iOS) or package name (Android). */
  readonly bundleIds: readonly string[];
  /** Prefix of every secret name, e.g. `voip-push/prod`. */
  readonly namePrefix: string;
  /**
   * What happens to the secrets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** What differs between the platforms' secrets (apns-secrets.ts, fcm-secrets.ts). */
export interface CredentialKind {
  /** Path segment of the secret names: `<namePrefix>/<segment>/<bundleId>`. */
  readonly segment: string;
  /** The value the sender expects (docs/contracts.md, push credentials), written into each description. */
  readonly shape: string;
  /** Why the secret has no rotation Lambda (cdk-nag AwsSolutions-SMG4). */
  readonly noRotationReason: string;
}

/**
 * One Secrets Manager secret per app, holding its push credential.
 *
 * The secrets are created EMPTY (an L1 `CfnSecret` with neither `SecretString` nor
 * `GenerateSecretString`): the L2 `Secret` would generate a random string, which the sender could
 * mistake for a credential. Until an operator loads the real value, GetSecretValue fails with
 * ResourceNotFoundException, a loud and unambiguous state. The value never passes through CloudFormation.
 */
export class CredentialSecrets extends Construct {
  /** Secret ARN by bundle id, in the order given. */
  readonly secretArns: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: CredentialSecretsProps, kind: CredentialKind) {
    super(scope, id);
    const arns = new Map<string, string>();
    for (const bundleId of props.bundleIds) {
      const secret = new CfnSecret(this, bundleId, {
        name: `${props.namePrefix}/${kind.segment}/${bundleId}`,
        description: `${kind.shape} bundleId must be ${bundleId}.`,
      });
      secret.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: kind.noRotationReason });
      arns.set(bundleId, secret.ref);
    }
    this.secretArns = arns;
  }

  /** Every secret ARN, for the sender's secret list and its GetSecretValue grant. */
  get arns(): string[] {
    return [...this.secretArns.values()];
  }
}
