import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ApnsSecretsProps {
  /** One secret is made per bundle id. */
  readonly bundleIds: readonly string[];
  /** Prefix of every secret name, e.g. `voip-push/prod`. */
  readonly namePrefix: string;
  /**
   * What happens to the secrets when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The value the sender expects (docs/contracts.md, push credentials), written into each secret's description. */
const SHAPE =
  'APNs credential JSON (one of): {"bundleId","auth":"token","teamId","keyId","signingKey":"<PEM of .p8>"} | ' +
  '{"bundleId","auth":"certificate","certificate":"<PEM>","privateKey":"<PEM>","passphrase"?} | ' +
  '{"bundleId","auth":"certificate","pkcs12":"<base64 .p12>","passphrase"?}. Load it with put-secret-value (docs/deploy.md).';

/**
 * One Secrets Manager secret per app bundle, holding its APNs credential.
 *
 * The secrets are created EMPTY (an L1 `CfnSecret` with neither `SecretString` nor
 * `GenerateSecretString`): the L2 `Secret` would generate a random string, which the sender could
 * mistake for a credential. Until an operator loads the real value, GetSecretValue fails with
 * ResourceNotFoundException, a loud and unambiguous state. The value never passes through CloudFormation.
 */
export class ApnsSecrets extends Construct {
  /** Secret ARN by bundle id, in the order given. */
  readonly secretArns: ReadonlyMap<string, string>;

  constructor(scope: Construct, id: string, props: ApnsSecretsProps) {
    super(scope, id);
    const arns = new Map<string, string>();
    for (const bundleId of props.bundleIds) {
      const secret = new CfnSecret(this, bundleId, {
        name: `${props.namePrefix}/apns/${bundleId}`,
        description: `${SHAPE} bundleId must be ${bundleId}.`,
      });
      secret.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'APNs keys and VoIP certificates are issued by Apple in the developer portal; no Lambda can rotate them. ' +
          'Operators rotate by put-secret-value (docs/deploy.md); the sender re-reads within its cache time.',
      });
      arns.set(bundleId, secret.ref);
    }
    this.secretArns = arns;
  }

  /** Every secret ARN, for the sender's APNS_SECRET_ARNS and its GetSecretValue grant. */
  get arns(): string[] {
    return [...this.secretArns.values()];
  }
}
