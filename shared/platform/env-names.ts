/** Environment variables the functions read; the CDK app and the local stack set the same names. */
export const EnvName = {
  devicesTable: 'DEVICES_TABLE_NAME',
  deliveriesTable: 'DELIVERIES_TABLE_NAME',
  maxDevicesPerUser: 'MAX_DEVICES_PER_USER',
  deviceTtlDays: 'DEVICE_TTL_DAYS',
  deliveryTtlDays: 'DELIVERY_TTL_DAYS',
  /** Comma-separated Secrets Manager secret ids (ARNs in AWS), one per app bundle. */
  apnsSecretArns: 'APNS_SECRET_ARNS',
  /** Seconds a credential stays cached before it is read again. */
  credentialCacheSeconds: 'CREDENTIAL_CACHE_SECONDS',
  /** Optional: a URL (or `sandbox` / `production`) that overrides the host chosen by environment. */
  apnsEndpoint: 'APNS_ENDPOINT',
  /** Optional: PEM file with an extra CA to trust for APNS_ENDPOINT. */
  apnsCaFile: 'APNS_CA_FILE',
  /** Optional, local only: JSON file with one credential of design section 4, or an array. */
  apnsCredentialsFile: 'APNS_CREDENTIALS_FILE',
} as const;
