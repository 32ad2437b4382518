import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Template } from 'aws-cdk-lib/assertions';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  type JSONWebKeySet,
  jwtVerify,
  SignJWT,
} from 'jose';
import { ConfigError, parseConfig } from '../../infra/config';
import { acknowledgements, cdkJsonContext, type SynthesizedApp, synthApp } from './synth-app';

/** A value of synthesized CloudFormation JSON (what `Template.toJSON()` returns is untyped). */
type Json = ReturnType<Template['toJSON']>[string];
type Handler = (
  event: unknown,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

const dir = mkdtempSync(join(tmpdir(), 'voip-push-test-issuer-'));
const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const { privateKey, publicKey } = rsa();

function writeKey(name: string, key: KeyObject, type: 'spki' | 'pkcs8' = 'spki'): string {
  const path = join(dir, name);
  writeFileSync(path, key.export({ type, format: 'pem' }) as string);
  return path;
}
const publicPem = writeKey('public.pem', publicKey);

function parseWith(overrides: Record<string, unknown>) {
  const context = { ...cdkJsonContext(), ...overrides };
  return parseConfig((key) => context[key]);
}

/** The one resource of `type` whose logical id starts with `prefix`. */
function resource(
  template: Template,
  type: string,
  prefix: string,
): { id: string; properties: Record<string, Json> } {
  const found = Object.entries(template.findResources(type))
    .filter(([id]) => id.startsWith(prefix))
    .map(([id, r]) => ({ id, properties: r.Properties as Record<string, Json> }));
  expect(found).toHaveLength(1);
  return found[0] as { id: string; properties: Record<string, Json> };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('testIssuerPublicKey (context)', () => {
  it('reads a PEM public key file into an RS256 JWK whose kid is its RFC 7638 thumbprint', async () => {
    const { testIssuerPublicKey: jwk } = parseWith({ stage: 'staging', testIssuerPublicKey: publicPem });
    const expected = await exportJWK(publicKey);
    expect(jwk).toEqual({
      kty: 'RSA',
      n: expected.n,
      e: expected.e,
      kid: await calculateJwkThumbprint(expected),
      alg: 'RS256',
      use: 'sig',
    });
  });

  it('reads the same key from a JWK file and from an inline JWK given with -c', async () => {
    const jwk = await exportJWK(publicKey);
    const jwkFile = join(dir, 'public.jwk.json');
    writeFileSync(jwkFile, JSON.stringify(jwk));
    const fromPem = parseWith({ stage: 'dev', testIssuerPublicKey: publicPem }).testIssuerPublicKey;
    expect(parseWith({ stage: 'dev', testIssuerPublicKey: jwkFile }).testIssuerPublicKey).toEqual(fromPem);
    expect(parseWith({ stage: 'dev', testIssuerPublicKey: JSON.stringify(jwk) }).testIssuerPublicKey).toEqual(
      fromPem,
    );
  });

  it('is off when unset or given empty with -c', () => {
    expect(parseWith({}).testIssuerPublicKey).toBeUndefined();
    expect(parseWith({ testIssuerPublicKey: '' }).testIssuerPublicKey).toBeUndefined();
  });

  it.each([
    [
      'the stage is prod',
      () => ({ stage: 'prod', testIssuerPublicKey: publicPem }),
      /is refused when stage is prod/,
    ],
    [
      'the file is missing',
      () => ({ testIssuerPublicKey: join(dir, 'nope.pem') }),
      /cannot read the key file .*ENOENT/,
    ],
    [
      'it is a private PEM key',
      () => ({ testIssuerPublicKey: writeKey('private.pem', privateKey, 'pkcs8') }),
      /is a private key/,
    ],
    [
      'it is a private JWK',
      () => ({ testIssuerPublicKey: JSON.stringify(privateKey.export({ format: 'jwk' })) }),
      /is a private key/,
    ],
    [
      'it is an EC key',
      () => ({
        testIssuerPublicKey: writeKey('ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
      }),
      /must be an RSA public key/,
    ],
    [
      'it is a 1024-bit RSA key',
      () => ({
        testIssuerPublicKey: writeKey(
          'short.pem',
          generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
        ),
      }),
      /at least 2048 bits, not 1024/,
    ],
    ['the path is a directory', () => ({ testIssuerPublicKey: dir }), /cannot read the key file .*EISDIR/],
    [
      'the file holds no key',
      () => {
        writeFileSync(join(dir, 'notes.txt'), 'not a key');
        return { testIssuerPublicKey: join(dir, 'notes.txt') };
      },
      /is not a PEM public key/,
    ],
  ])('throws one error naming testIssuerPublicKey when %s', (_, overrides, message) => {
    const context = overrides();
    expect(() => parseWith(context)).toThrow(ConfigError);
    expect(() => parseWith(context)).toThrow(/^Invalid context "testIssuerPublicKey": /);
    expect(() => parseWith(context)).toThrow(message);
  });
});

describe('StatelessStack with a test issuer', () => {
  let built: SynthesizedApp;
  let template: Template;
  let handler: Handler;
  let jwksText: string;

  beforeAll(() => {
    // synthApp runs cdk-nag and Control Tower's rules: an unacknowledged finding throws here.
    built = synthApp({ stage: 'staging', testIssuerPublicKey: publicPem });
    template = built.statelessTemplate;
    const fn = resource(template, 'AWS::Lambda::Function', 'TestIssuer').properties;
    jwksText = fn.Environment.Variables.JWKS;
    const module = { exports: {} as { handler?: Handler } };
    runInNewContext(fn.Code.ZipFile, {
      exports: module.exports,
      module,
      process: { env: { JWKS: jwksText } },
    });
    handler = module.exports.handler as Handler;
  });

  const domainName = 'abc123.lambda-url.eu-west-1.on.aws';
  const get = (rawPath: string, method = 'GET') =>
    handler({ rawPath, requestContext: { domainName, http: { method } } });

  it('serves a discovery document and JWKS under which a token signed with the private key verifies', async () => {
    // API Gateway appends the well-known path to the issuer, which ends with a slash.
    const discovery = await get('//.well-known/openid-configuration');
    expect(discovery.statusCode).toBe(200);
    expect(discovery.headers['content-type']).toBe('application/json');
    const { issuer, jwks_uri } = JSON.parse(discovery.body) as { issuer: string; jwks_uri: string };
    expect(issuer).toBe(`https://${domainName}/`);
    const jwks = await get(new URL(jwks_uri).pathname);
    expect(jwks.statusCode).toBe(200);
    const keySet = createLocalJWKSet(JSON.parse(jwks.body) as JSONWebKeySet);

    const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    const sign = (key: KeyObject) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject('smoke-user')
        .setIssuer(issuer)
        .setAudience('voip-push-smoke')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    const verified = await jwtVerify(await sign(privateKey), keySet, { issuer, audience: 'voip-push-smoke' });
    expect(verified.payload.sub).toBe('smoke-user');
    await expect(jwtVerify(await sign(rsa().privateKey), keySet, { issuer })).rejects.toThrow(/signature/);
  });

  it('answers 404 to other paths and 405 to other methods', async () => {
    expect((await get('/')).statusCode).toBe(404);
    expect((await get('/.well-known/openid-configuration', 'POST')).statusCode).toBe(405);
  });

  it('publishes only the public half of the key when built', () => {
    const [key] = (JSON.parse(jwksText) as { keys: Record<string, string>[] }).keys;
    expect(Object.keys(key ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('serves the issuer from a public function URL when built', () => {
    const url = resource(template, 'AWS::Lambda::Url', 'TestIssuer').properties;
    expect(url).toMatchObject({ AuthType: 'NONE' });
  });

  it('authorizes the smoke API with the test issuer and its audience, and the main API with jwtIssuer only', () => {
    const authorizer = (prefix: string) =>
      resource(template, 'AWS::ApiGatewayV2::Authorizer', prefix).properties.JwtConfiguration;
    expect(authorizer('SmokeApi')).toEqual({
      Issuer: { 'Fn::GetAtt': [resource(template, 'AWS::Lambda::Url', 'TestIssuer').id, 'FunctionUrl'] },
      Audience: ['voip-push-smoke'],
    });
    expect(authorizer('Api')).toEqual({
      Issuer: 'https://auth.example.com/',
      Audience: ['voip-push-ios'],
    });
  });

  it('routes the smoke API to the same functions as the main API, every route behind its JWT authorizer', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter(
      (r) => r.Properties.ApiId.Ref === resource(template, 'AWS::ApiGatewayV2::Api', 'SmokeApi').id,
    );
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'DELETE /v1/devices/{deviceId}',
      'GET /v1/devices',
      'POST /v1/calls/{callId}/receipts',
      'PUT /v1/devices/{deviceId}',
    ]);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('JWT');
    const targets = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))
      .filter((i) => i.Properties.ApiId.Ref.startsWith('SmokeApi'))
      .map((i) => i.Properties.IntegrationUri['Fn::GetAtt'][0]);
    expect(new Set(targets)).toEqual(
      new Set([
        resource(template, 'AWS::Lambda::Function', 'Register').id,
        resource(template, 'AWS::Lambda::Function', 'Receipts').id,
      ]),
    );
  });

  it('throttles the smoke API to 5 requests a second (burst 10) when built', () => {
    expect(
      resource(template, 'AWS::ApiGatewayV2::Stage', 'SmokeApi').properties.DefaultRouteSettings,
    ).toEqual({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
  });

  it('acknowledges on the test issuer only the runtime, its public URL and the VPC, each with a reason', () => {
    const found = acknowledgements(built.stateless).filter((a) => a.path.includes('/TestIssuer/'));
    expect(found.map((a) => `${a.id} ${a.path}`).sort()).toEqual([
      'AwsSolutions-L1 VoipPush-staging-Stateless/TestIssuer/Function',
      'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check VoipPush-staging-Stateless/TestIssuer/Function',
      'cdk-validator-cfnguard::lambda_function_url_auth_check VoipPush-staging-Stateless/TestIssuer/Function',
      'cdk-validator-cfnguard::lambda_inside_vpc_check VoipPush-staging-Stateless/TestIssuer/Function',
    ]);
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(80);
  });

  it('outputs the smoke API URL, the issuer URL, the audience and the key id when built', async () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['SmokeApiUrl', 'TestIssuerUrl', 'TestIssuerAudience', 'TestIssuerKeyId']),
    );
    expect(outputs.TestIssuerAudience?.Value).toBe('voip-push-smoke');
    expect(outputs.TestIssuerKeyId?.Value).toBe(await calculateJwkThumbprint(await exportJWK(publicKey)));
  });
});

describe('StatelessStack without a test issuer', () => {
  it('has no test issuer, smoke API or their outputs when testIssuerPublicKey is unset', () => {
    const template = synthApp({ stage: 'staging' }).statelessTemplate;
    const ids = Object.keys(template.toJSON().Resources);
    expect(ids.filter((id) => id.startsWith('TestIssuer') || id.startsWith('SmokeApi'))).toEqual([]);
    expect(Object.keys(template.findOutputs('*')).filter((o) => /Smoke|TestIssuer/.test(o))).toEqual([]);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });
});
