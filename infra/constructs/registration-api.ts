import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, type HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface RegistrationApiProps {
  /** Serves the device routes (PUT, GET, DELETE). */
  readonly registerFunction: IFunction;
  /** Serves `POST /v1/calls/{callId}/receipts`. */
  readonly receiptsFunction: IFunction;
  /** JWT issuer URL (`iss`); API Gateway fetches its OpenID configuration and JWKS. */
  readonly jwtIssuer: string;
  /** Accepted `aud` values (or `client_id` for access tokens without `aud`). */
  readonly jwtAudience: readonly string[];
  /** Steady-state requests per second and burst for the whole stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
  /** Customer-managed key the access log group is encrypted with (`LogsKey`). */
  readonly accessLogEncryptionKey: IKey;
}

/**
 * The registration API (docs/contracts.md): an HTTP API whose every route needs a JWT (checked by
 * API Gateway: issuer, audience, expiry, signature), a throttled `$default` stage and JSON access logs.
 * Unknown routes get API Gateway's own 404; there is no `$default` route.
 */
export class RegistrationApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: RegistrationApiProps) {
    super(scope, id);
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
    });
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'voip-push device registration and call receipts',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
      encryptionKey: props.accessLogEncryptionKey,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttle.rateLimit, burstLimit: props.throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            sub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const register = new HttpLambdaIntegration('Register', props.registerFunction);
    const receipts = new HttpLambdaIntegration('Receipts', props.receiptsFunction);
    this.api.addRoutes({
      path: '/v1/devices/{deviceId}',
      methods: [HttpMethod.PUT, HttpMethod.DELETE],
      integration: register,
    });
    this.api.addRoutes({ path: '/v1/devices', methods: [HttpMethod.GET], integration: register });
    this.api.addRoutes({
      path: '/v1/calls/{callId}/receipts',
      methods: [HttpMethod.POST],
      integration: receipts,
    });
    Validations.of(this.api).acknowledge({
      id: 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check',
      reason:
        'CT.LAMBDA.PR.2 is met but cannot be seen by the rule: each invoke permission names apigateway.amazonaws.com ' +
        "with SourceArn = this API's execute-api ARN, built with Fn::Join from region, account and API id, which " +
        'the rule does not evaluate (it accepts only a literal or a plain Ref). A test checks every SourceArn.',
    });
  }

  /** Base URL of the API (the `$default` stage), with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }
}
