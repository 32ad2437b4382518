import { DEFAULT_DEVICE_TTL_DAYS, DEFAULT_MAX_DEVICES_PER_USER } from '../domain/device-limits';

/**
 * Every environment variable the functions read, in one place: the functions' config loaders parse
 * them, the CDK app and the local stack set them by these names. docs/contracts.md lists them.
 */
export const EnvName = {
  devicesTable: 'DEVICES_TABLE_NAME',
  deliveriesTable: 'DELIVERIES_TABLE_NAME',
  /** Register: the per-user device cap (1-100). */
  maxDevicesPerUser: 'MAX_DEVICES_PER_USER',
  /** Register: days without a refresh before a device expires (1-3650). */
  deviceTtlDays: 'DEVICE_TTL_DAYS',
  /** Sender: days a delivery record is kept (1-365). */
  deliveryTtlDays: 'DELIVERY_TTL_DAYS',
  /**
   * Register, optional: the apps the deployment has a push credential for, `<ios|android>:<bundleId>`
   * comma-separated; a device of any other app is refused (400 naming bundleId). Unset: any app.
   */
  knownApps: 'KNOWN_APPS',
  /** Sender: comma-separated Secrets Manager secret ids (ARNs in AWS), one per iOS app bundle. */
  apnsSecretArns: 'APNS_SECRET_ARNS',
  /**
   * Sender: comma-separated Secrets Manager secret ids, one per Android package (FCM credential). Each
   * secret's `auth` says what it holds, so either list may hold either kind.
   */
  fcmSecretArns: 'FCM_SECRET_ARNS',
  /** Sender: seconds a credential stays cached before it is read again (0-86400). */
  credentialCacheSeconds: 'CREDENTIAL_CACHE_SECONDS',
  /** Sender, optional: a URL (or `sandbox` / `production`) that overrides the host chosen by environment. */
  apnsEndpoint: 'APNS_ENDPOINT',
  /** Sender, optional: PEM file with an extra CA to trust for APNS_ENDPOINT. */
  apnsCaFile: 'APNS_CA_FILE',
  /** Sender, optional, local only: JSON file with one credential (docs/contracts.md), or an array; APNs or FCM. */
  apnsCredentialsFile: 'APNS_CREDENTIALS_FILE',
  /** Sender, optional: `production` (https://fcm.googleapis.com, the default) or an https URL (the simulator). */
  fcmEndpoint: 'FCM_ENDPOINT',
  /** Sender, optional: PEM file with an extra CA to trust for FCM_ENDPOINT and every FCM credential's token_uri. */
  fcmCaFile: 'FCM_CA_FILE',
  /** Sender, optional, local only: JSON file with one FCM credential (`auth: "fcm"`), or an array. */
  fcmCredentialsFile: 'FCM_CREDENTIALS_FILE',
  /** Sender, optional: URL of the DLQ; malformed records are moved there at once with their reason. */
  dlqUrl: 'DLQ_URL',
  /**
   * Sender, optional: URL of the call queue; a deferred record's visibility is shortened so it comes back
   * in time. The publisher reads it too, as its default queue.
   */
  callQueueUrl: 'CALL_QUEUE_URL',
  /**
   * Sender, optional, `true` (default, ADR 0009) or `false` (strict): retry a VoIP push whose transport
   * outcome was ambiguous (maybe delivered), preferring a possible second ring to a possible miss.
   */
  retryAmbiguousPushes: 'RETRY_AMBIGUOUS_PUSHES',
  /** Optional, local only: DynamoDB Local. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Sender, optional, local only: the SQS emulator (for DLQ_URL and CALL_QUEUE_URL). */
  sqsEndpoint: 'SQS_ENDPOINT',
} as const;

/** The defaults the loaders apply when a variable is unset; the CDK app sets the same values. */
export const EnvDefault = {
  maxDevicesPerUser: DEFAULT_MAX_DEVICES_PER_USER,
  deviceTtlDays: DEFAULT_DEVICE_TTL_DAYS,
  deliveryTtlDays: 7,
  credentialCacheSeconds: 300,
} as const;

/** Variables only the local stack (`npm start`) reads; docs/contracts.md describes them. */
export const LocalEnvName = {
  /** The local API's port. @default 3000 */
  apiPort: 'VOIP_LOCAL_PORT',
  /** Where the local stack keeps its state (stack.json, the signing key). @default .local */
  stateDir: 'VOIP_LOCAL_DIR',
  /** How the local stack runs the functions: `bundle` (as deployed) or `source`. @default bundle */
  functions: 'VOIP_FUNCTIONS',
  /** Powertools' log level for the local functions. @default INFO */
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;
