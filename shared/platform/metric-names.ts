import type { Platform } from '../domain/device';

/**
 * The metrics contract between the functions (which emit EMF through Powertools Metrics) and the
 * CDK app (which alarms and draws on them). Powertools adds the `service` dimension to every metric,
 * so an alarm must name the same `service` value the function runs with.
 */
export const METRICS_NAMESPACE = 'VoipPush';

export const ServiceName = {
  register: 'voip-push-register',
  sender: 'voip-push-sender',
  receipts: 'voip-push-receipts',
} as const;

export const MetricName = {
  /** APNs or FCM took the push. Dimensions: service; and service, Platform (`ios` | `android`). */
  PushAccepted: 'PushAccepted',
  /**
   * APNs answered 200 to a VoIP push (incoming_call), counted beside PushAccepted: the pushes a phone
   * confirms with a receipt, so the receipt-rate alarm's denominator. Dimensions: service.
   */
  VoipPushAccepted: 'VoipPushAccepted',
  /** Terminal failure (permanent answer, or retries exhausted). Dimensions: service; and service, Platform. */
  PushFailed: 'PushFailed',
  /** Token removed after 410 or BadDeviceToken. Dimensions: service. */
  PushPruned: 'PushPruned',
  /** A retry of a push after 429 / 5xx / transport error. Dimensions: service. */
  PushRetried: 'PushRetried',
  /**
   * A retry of a VoIP push the platform may already have taken (reset, dropped connection or timeout
   * after the request was sent): the phone may get it twice and shows one call. Dimensions: service.
   */
  AmbiguousRetry: 'AmbiguousRetry',
  /** A duplicate delivery suppressed (already sent for this call, recipient, device and push type). Dimensions: service. */
  PushDuplicate: 'PushDuplicate',
  /** Every terminal outcome, by reason. Dimensions: service, Reason. */
  PushOutcome: 'PushOutcome',
  /**
   * A push APNs accepted (or may have: `ambiguous_delivery`) whose delivery record could not be written
   * within its lease (DynamoDB unavailable for about the whole lease): once the lease runs out a
   * redelivery of the same event that arrives while the call still rings cannot tell it was sent and
   * rings that device again. Dimensions: service.
   */
  DeliveryRecordLost: 'DeliveryRecordLost',
  /** An incoming_call whose ring window had passed. Dimensions: service. */
  CallExpired: 'CallExpired',
  /** A queue record rejected as malformed. Dimensions: service. */
  EventRejected: 'EventRejected',
  /** APNs answered 403 (credential or environment problem). Dimensions: service. */
  ApnsAuthError: 'ApnsAuthError',
  /**
   * FCM or its token endpoint refused the credential (PERMISSION_DENIED, SENDER_ID_MISMATCH, a 401 that a
   * new access token did not cure, an OAuth refusal such as invalid_grant). Dimensions: service.
   */
  FcmAuthError: 'FcmAuthError',
  /** ms from the event's createdAt to APNs' answer. Dimensions: service. */
  DeliveryLatency: 'DeliveryLatency',
  /** ms from sending the request to APNs' answer. Dimensions: service. */
  ApnsLatency: 'ApnsLatency',
  /** ms from sending the request to FCM's answer (an access-token fetch included). Dimensions: service. */
  FcmLatency: 'FcmLatency',
  /** ms the message waited in SQS (SentTimestamp to the sender picking it up). Dimensions: service. */
  QueueDelay: 'QueueDelay',
  /** Days until a certificate credential expires. Dimensions: service, BundleId. */
  CertificateDaysLeft: 'CertificateDaysLeft',
  /** A first receipt from a phone for one VoIP push (call, user, device). Dimensions: service. */
  ReceiptReceived: 'ReceiptReceived',
  /** ms from APNs acceptance to the receipt's arrival (server clock). Dimensions: service. */
  PhoneLatency: 'PhoneLatency',
  /** ms from the event's createdAt to the receipt's arrival. Dimensions: service. */
  EndToEndLatency: 'EndToEndLatency',
} as const;

export type MetricNameValue = (typeof MetricName)[keyof typeof MetricName];

/** The dimension that splits a metric by push platform, where a graph needs it. */
export const PLATFORM_DIMENSION = 'Platform';

/** The credential-error metric of a platform (each has its alarm). */
export const credentialErrorMetric = (platform: Platform): MetricNameValue =>
  platform === 'android' ? MetricName.FcmAuthError : MetricName.ApnsAuthError;

/** The send-to-answer latency metric of a platform. */
export const platformLatencyMetric = (platform: Platform): MetricNameValue =>
  platform === 'android' ? MetricName.FcmLatency : MetricName.ApnsLatency;
