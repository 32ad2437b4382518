import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  Code,
  FunctionUrlAuthType,
  Function as LambdaFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { PublicSigningJwk } from '../test-issuer-key';
import { NODE_RUNTIME_ACKNOWLEDGEMENT } from './voip-function';

/** The `aud` the smoke API accepts; test tokens carry it. */
export const TEST_ISSUER_AUDIENCE = 'voip-push-smoke';

/**
 * The issuer's whole code, inline (CommonJS `index.js`): the OpenID discovery document and the JWKS,
 * both public by nature. The issuer URL is the function URL itself, read from the request's host, so
 * the function needs no reference to its own URL.
 */
export const TEST_ISSUER_HANDLER = `'use strict';
const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
});
exports.handler = async (event) => {
  if (event.requestContext.http.method !== 'GET') return json(405, '{"message":"Method Not Allowed"}');
  const issuer = 'https://' + event.requestContext.domainName + '/';
  const path = event.rawPath.replace(/\\/{2,}/g, '/');
  if (path === '/.well-known/openid-configuration') {
    return json(200, JSON.stringify({
      issuer,
      jwks_uri: issuer + '.well-known/jwks.json',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    }));
  }
  if (path === '/.well-known/jwks.json') return json(200, process.env.JWKS);
  return json(404, '{"message":"Not Found"}');
};
`;

export interface TestIssuerProps {
  /** The key test tokens are signed with (its private half stays with the deployer). */
  readonly publicJwk: PublicSigningJwk;
  readonly logEncryptionKey: IKey;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A minimal OpenID issuer for smoke checks, so a deployed stage can be called without an identity
 * provider: a Lambda function URL (public HTTPS, as API Gateway's JWT authorizer needs to fetch
 * `<issuer>/.well-known/openid-configuration` and the JWKS) serving one RSA public key given at deploy
 * time. Whoever holds the matching private key can mint tokens for any user id, so only a stage that
 * opts in gets one, never prod (infra/config.ts).
 */
export class TestIssuer extends Construct {
  /** Issuer URL (`iss` of test tokens): the function URL, with its trailing slash. */
  readonly url: string;
  readonly function: LambdaFunction;

  constructor(scope: Construct, id: string, props: TestIssuerProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.logEncryptionKey,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'voip-push smoke-check test issuer',
    });
    logGroup.grantWrite(role);

    this.function = new LambdaFunction(this, 'Function', {
      description: 'voip-push smoke-check test issuer: OpenID discovery document and JWKS',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromInline(TEST_ISSUER_HANDLER),
      memorySize: 128,
      timeout: Duration.seconds(3),
      role,
      logGroup,
      environment: { JWKS: JSON.stringify({ keys: [props.publicJwk] }) },
    });
    this.url = this.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE }).url;

    Validations.of(this.function).acknowledge(
      NODE_RUNTIME_ACKNOWLEDGEMENT,
      ...['lambda_function_public_access_prohibited_check', 'lambda_function_url_auth_check'].map((rule) => ({
        id: `cdk-validator-cfnguard::${rule}`,
        reason:
          'CT.LAMBDA.PR.2 and PR.5 (no public function URL) do not fit the test issuer: API Gateway fetches its ' +
          'discovery document and JWKS without credentials, so the URL must be public; it serves only a public key.',
      })),
      {
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason:
          'CT.LAMBDA.PR.3 (function in a VPC) does not fit: the test issuer answers public requests with a public key ' +
          'and calls nothing; a VPC would protect no resource (docs/adr/0008-control-tower-rules.md).',
      },
    );
  }
}
