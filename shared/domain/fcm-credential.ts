/**
 * The FCM credential secret (`auth: "fcm"`), one per Android package: the Google
 * service-account JSON as the Firebase console downloads it, wrapped with the package name.
 */
export interface FcmCredential {
  /** The Android package name (applicationId) the credential sends for. */
  readonly bundleId: string;
  readonly auth: 'fcm';
  readonly serviceAccount: FcmServiceAccount;
}

/**
 * The fields of the service-account JSON the transport uses. Every other field the console writes
 * (`client_id`, `auth_uri`, `universe_domain`, ...) is accepted by the parser and dropped.
 */
export interface FcmServiceAccount {
  readonly type: 'service_account';
  /** The Firebase project: messages go to `/v1/projects/<project_id>/messages:send`. */
  readonly project_id: string;
  /** `kid` of the OAuth JWT. */
  readonly private_key_id: string;
  /** PEM (PKCS#8) of the RSA key that signs the OAuth JWT (RS256). */
  readonly private_key: string;
  /** `iss` of the OAuth JWT. */
  readonly client_email: string;
  /** Where the JWT is exchanged for an access token (`https://oauth2.googleapis.com/token`, or a simulator). */
  readonly token_uri: string;
}
