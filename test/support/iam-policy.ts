import type { Template } from 'aws-cdk-lib/assertions';
import type { AwsRequestRecord } from '../../local/aws-request-recorder';

/**
 * A function's IAM policy as the synthesized templates state it, and the check of recorded SDK requests
 * against it. Template resources are named symbolically: `arn:<logicalId>` is the ARN of that resource
 * (`Fn::GetAtt [id, Arn]`, or `Ref` where Ref returns the ARN), so a statement's `arn:X/index/*` and a
 * request's `arn:X` compare as IAM compares them, without an account or a region.
 */

type Json = unknown;
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  /** Symbolic resource patterns (`arn:TablesDevices704C53B1`, `arn:X/index/*`, `*`). */
  readonly resources: readonly string[];
}

/** One IAM authorization a request needs: `dynamodb:PutItem` on `arn:TablesDevices704C53B1`. */
export interface IamRequest {
  readonly action: string;
  readonly resource: string;
}

export interface FunctionPolicy {
  readonly service: string;
  readonly statements: readonly PolicyStatement[];
  /** The function's environment, each value resolved (`ref:X`, `arn:X`, or the literal). */
  readonly env: Readonly<Record<string, string>>;
}

/** Resource types whose `Ref` is their ARN (for the others, `Ref` is a name or URL). */
const REF_IS_ARN = new Set(['AWS::SecretsManager::Secret', 'AWS::SNS::Topic', 'AWS::IAM::ManagedPolicy']);

/** Reads intrinsic functions of the stateless template, following `Fn::ImportValue` into the stateful one. */
export class TemplateResolver {
  private readonly stateless: Resources;
  private readonly stateful: Resources;
  private readonly exports = new Map<string, Json>();

  constructor(statelessTemplate: Template, statefulTemplate: Template) {
    this.stateless = statelessTemplate.toJSON().Resources as Resources;
    const stateful = statefulTemplate.toJSON() as {
      Resources: Resources;
      Outputs?: Record<string, { Value: Json; Export?: { Name: string } }>;
    };
    this.stateful = stateful.Resources;
    for (const output of Object.values(stateful.Outputs ?? {}))
      if (output.Export) this.exports.set(output.Export.Name, output.Value);
  }

  /** `value` as a string with every resource named symbolically; throws on what it cannot read. */
  resolve(value: Json): string {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map((v) => this.resolve(v)).join(',');
    const object = value as Record<string, Json>;
    if ('Fn::ImportValue' in object) {
      const name = this.resolve(object['Fn::ImportValue']);
      if (!this.exports.has(name)) throw new Error(`no export ${name}`);
      return this.resolve(this.exports.get(name));
    }
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return attribute === 'Arn' ? `arn:${id}` : `${attribute}:${id}`;
    }
    if ('Ref' in object) {
      const id = object.Ref as string;
      if (id.startsWith('AWS::')) return `\${${id}}`;
      return REF_IS_ARN.has(this.typeOf(id)) ? `arn:${id}` : `ref:${id}`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map((p) => this.resolve(p)).join(separator);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  }

  private typeOf(id: string): string {
    const resource = this.stateless[id] ?? this.stateful[id];
    if (!resource) throw new Error(`no resource ${id}`);
    return resource.Type;
  }

  /**
   * The function whose POWERTOOLS_SERVICE_NAME is `service` (as test/security/iam.test.ts finds it): its
   * role's statements (the role's inline policies and every AWS::IAM::Policy attached to it) and env.
   */
  functionPolicy(service: string): FunctionPolicy {
    const fn = Object.values(this.stateless).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        (r.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables
          ?.POWERTOOLS_SERVICE_NAME === service,
    );
    if (!fn?.Properties) throw new Error(`no function for ${service}`);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = this.stateless[roleId]?.Properties ?? {};
    if (role.ManagedPolicyArns) throw new Error(`${service}: managed policies are not read by this check`);
    const documents = [
      ...((role.Policies as Array<{ PolicyDocument: Json }> | undefined) ?? []).map((p) => p.PolicyDocument),
      ...Object.values(this.stateless)
        .filter(
          (r) =>
            r.Type === 'AWS::IAM::Policy' &&
            ((r.Properties?.Roles ?? []) as Array<{ Ref?: string }>).some((ref) => ref.Ref === roleId),
        )
        .map((r) => r.Properties?.PolicyDocument),
    ];
    const statements = documents.flatMap((d) =>
      ((d as { Statement: Array<Record<string, Json>> }).Statement ?? []).map((s) => this.statement(s)),
    );
    const variables = (fn.Properties.Environment as { Variables: Record<string, Json> }).Variables;
    const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, this.resolve(v)]));
    return { service, statements, env };
  }

  private statement(s: Record<string, Json>): PolicyStatement {
    if (s.NotAction || s.NotResource) throw new Error('NotAction / NotResource are not read by this check');
    return {
      effect: s.Effect as 'Allow' | 'Deny',
      actions: [s.Action as string | string[]].flat(),
      resources: [s.Resource as Json].flat().map((r) => this.resolve(r)),
    };
  }
}

/** IAM's wildcard match (`*` any run, `?` one character); actions compare case-insensitively. */
export function iamMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}

const statementCovers = (s: PolicyStatement, r: IamRequest) =>
  s.actions.some((a) => iamMatches(a, r.action, true)) && s.resources.some((p) => iamMatches(p, r.resource));

/** Allowed: some Allow statement covers the request and no Deny does (conditions are not modelled). */
export function isAllowed(statements: readonly PolicyStatement[], request: IamRequest): boolean {
  const covering = statements.filter((s) => statementCovers(s, request));
  return covering.some((s) => s.effect === 'Allow') && !covering.some((s) => s.effect === 'Deny');
}

/**
 * Local resource names → symbolic template ARNs, by the environment variable that names each one: the
 * local value of DEVICES_TABLE_NAME is the table the template's DEVICES_TABLE_NAME refers to, and so on
 * (comma-separated lists, like APNS_SECRET_ARNS, pair up in order).
 */
export function localToTemplate(
  localEnv: Readonly<Record<string, string | undefined>>,
  templateEnv: Readonly<Record<string, string>>,
): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, local] of Object.entries(localEnv)) {
    const deployed = templateEnv[name];
    if (!local || !deployed) continue;
    const ids = deployed.split(',').map((v) => /^(?:ref|arn):(.+)$/.exec(v)?.[1]);
    const locals = local.split(',');
    if (ids.some((id) => !id) || ids.length !== locals.length) continue;
    for (const [i, value] of locals.entries()) map.set(value, `arn:${ids[i]}`);
  }
  return map;
}

/** The IAM action of each operation inside a TransactWriteItems / TransactGetItems. */
const TRANSACTION_ACTION: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

/**
 * What IAM authorizes for one recorded request. A DynamoDB transaction is authorized per contained
 * operation (Put → PutItem, ..., ConditionCheck → ConditionCheckItem; there is no Transact* action); a
 * Query/Scan on an index needs its `table/index/<name>`; every other request is its own action on each
 * resource it names. A name with no template counterpart stays `unmapped:<name>` and matches no grant.
 */
export function iamRequestsOf(record: AwsRequestRecord, names: ReadonlyMap<string, string>): IamRequest[] {
  const arn = (name: string) => names.get(name) ?? `unmapped:${name}`;
  if (record.service === 'dynamodb' && record.action.startsWith('Transact')) {
    if (!record.items?.length) throw new Error(`${record.action} recorded without its operations`);
    return record.items.map((item) => ({
      action: `dynamodb:${TRANSACTION_ACTION[item.operation] ?? `unknown-${item.operation}`}`,
      resource: arn(item.resource),
    }));
  }
  const action = `${record.service}:${record.action}`;
  if (record.resources.length === 0) return [{ action, resource: '*' }];
  return record.resources.map((name) => ({
    action,
    resource: record.index ? `${arn(name)}/index/${record.index}` : arn(name),
  }));
}

/** `arn:TablesDevices704C53B1` → `TablesDevices` (the CDK's 8-hex hash dropped), for tables and lists. */
export function labelOf(resource: string): string {
  return resource.replace(/^arn:/, '').replace(/[0-9A-F]{8}(?=$|\/)/, '');
}

/** Every granted (action, resource) pair of the Allow statements, as `action on label`. */
export function grantsOf(statements: readonly PolicyStatement[]): Array<{ key: string; grant: IamRequest }> {
  return statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) =>
      s.actions.flatMap((action) =>
        s.resources.map((resource) => ({
          key: `${action} on ${labelOf(resource)}`,
          grant: { action, resource },
        })),
      ),
    );
}

/** Whether `used` exercised the grant (its action pattern and resource pattern both match). */
export function grantUsed(grant: IamRequest, used: readonly IamRequest[]): boolean {
  return used.some((u) => iamMatches(grant.action, u.action, true) && iamMatches(grant.resource, u.resource));
}
