import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type Key,
  ownerKeyOf,
  type TokenOwnerItem,
  type TokenRef,
  tokenRefKey,
  userPk,
} from './device-items';
import type { TransactItem } from './transact-items';

/** The devices table's requests: strongly consistent reads and one TransactWriteItems. */
export class DevicesTable {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  async getItem<T>(key: Key): Promise<T | undefined> {
    const answer = await this.client.send(
      new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }),
    );
    return answer.Item as T | undefined;
  }

  /** The owner item of each token (undefined when none), by `tokenRefKey`; each token read once. */
  async readOwners(tokens: readonly TokenRef[]): Promise<Map<string, TokenOwnerItem | undefined>> {
    const unique = [...new Map(tokens.map((ref) => [tokenRefKey(ref), ref])).entries()];
    const owners = await Promise.all(unique.map(([, ref]) => this.getItem<TokenOwnerItem>(ownerKeyOf(ref))));
    return new Map(unique.map(([key], i) => [key, owners[i]]));
  }

  /** All items of a user's partition (optionally only sort keys starting with `prefix`), every page. */
  async queryUser(userId: string, prefix?: string): Promise<Key[]> {
    const items: Key[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
          ExpressionAttributeValues: prefix
            ? { ':pk': userPk(userId), ':prefix': prefix }
            : { ':pk': userPk(userId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((page.Items ?? []) as Key[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async transact(items: TransactItem[]): Promise<void> {
    await this.client.send(new TransactWriteCommand({ TransactItems: items }));
  }
}
