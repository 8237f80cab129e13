// The `value` of each webhook field numberflow reads (docs/meta-graph-api.md#account-and-number-fields, #messages-and-statuses). Unknown extra properties are
// dropped, not refused: Meta adds properties to webhooks without notice.
import { z } from 'zod';
import { numberOrString, openEnum } from './open-enum.js';

/** Meta's reasons for a coexistence number's disconnection from the app (`disconnection_info.reason`). */
export const disconnectionReasons = [
  'ACCOUNT_DISCONNECTED',
  'BUSINESS_DOWNGRADE',
  'CHANGE_NUMBER',
  'COMPANION_INACTIVITY',
  'PRIMARY_INACTIVITY',
  'USER_RE_REGISTERED',
] as const;

export const ACCOUNT_UPDATE_EVENTS = [
  'ACCOUNT_DELETED',
  'ACCOUNT_RESTRICTION',
  'ACCOUNT_VIOLATION',
  'DISABLED_UPDATE',
  'PARTNER_ADDED',
  'PARTNER_APP_INSTALLED',
  'PARTNER_APP_UNINSTALLED',
  'PARTNER_REMOVED',
  'PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE',
  'AUTH_INTL_PRICE_ELIGIBILITY_UPDATE',
  'BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE',
  'AD_ACCOUNT_LINKED',
  'MM_LITE_TERMS_SIGNED',
  'VOLUME_BASED_PRICING_TIER_UPDATE',
  'ACCOUNT_OFFBOARDED',
  'ACCOUNT_RECONNECTED',
] as const;

const banState = openEnum(['DISABLE', 'REINSTATE', 'SCHEDULE_FOR_DISABLE']);

/** The restrictions Meta puts on a WABA that numberflow knows (account_update's ACCOUNT_RESTRICTION). */
export const restrictionTypes = ['RESTRICTED_ADD_PHONE_NUMBER_ACTION', 'RESTRICTED_BIZ_INITIATED_MESSAGING'] as const;
export type RestrictionType = (typeof restrictionTypes)[number];

// One object with every info block optional, rather than a union per event: Meta adds events, and an event
// numberflow does not know must still arrive with whatever info it carries.
const accountUpdate = z.object({
  event: openEnum(ACCOUNT_UPDATE_EVENTS),
  phone_number: z.string().optional(),
  restriction_info: z
    .array(
      z.object({
        restriction_type: openEnum(restrictionTypes),
        expiration: numberOrString.optional(),
        remediation: z.string().optional(),
      }),
    )
    .optional(),
  violation_info: z.object({ violation_type: z.string() }).optional(),
  ban_info: z
    .object({
      // docs/meta-graph-api.md#account-and-number-fields shows one state; some of Meta's samples wrap it in an array. Both are read.
      waba_ban_state: z.union([banState, z.array(banState)]),
      waba_ban_date: z.string().optional(),
    })
    .optional(),
  waba_info: z
    .object({
      waba_id: z.string(),
      owner_business_id: z.string().optional(),
      partner_app_id: z.string().optional(),
      solution_id: z.string().optional(),
      solution_partner_business_ids: z.array(z.string()).optional(),
    })
    .optional(),
  disconnection_info: z
    .object({
      reason: openEnum(disconnectionReasons),
      initiated_by: openEnum(['USER', 'SYSTEM']),
    })
    .optional(),
  country: z.string().optional(),
});

export const REVIEW_DECISIONS = ['APPROVED', 'REJECTED', 'DEFERRED', 'PENDING'] as const;
export const NAME_REJECTION_REASONS = [
  'NAME_EMPLOYEE_ISSUE',
  'NAME_ENDCLIENT_NOTRELATED',
  'NAME_FORMAT_UNACCEPTABLE',
  'NAME_INDIVIDUAL_ISSUE',
  'NAME_NOT_CONSISTENT',
  'UNKNOWN',
] as const;
const decision = openEnum(REVIEW_DECISIONS);

const phoneNumberNameUpdate = z.object({
  display_phone_number: z.string(),
  decision,
  requested_verified_name: z.string(),
  rejection_reason: openEnum(NAME_REJECTION_REASONS).nullable().optional(),
});

const tier = openEnum(['TIER_50', 'TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_NOT_SET', 'TIER_UNLIMITED']);

const phoneNumberQualityUpdate = z.object({
  display_phone_number: z.string(),
  // FLAGGED … DOWNGRADE are legacy events still seen in provider docs.
  event: openEnum(['ONBOARDING', 'THROUGHPUT_UPGRADE', 'FLAGGED', 'UNFLAGGED', 'UPGRADE', 'DOWNGRADE']),
  old_limit: tier.optional(),
  // Meta announced the removal of current_limit and old_limit for February 2026.
  current_limit: tier.optional(),
  max_daily_conversations_per_business: numberOrString.optional(),
});

// ⚠ Meta's example sends 2000 where its table says TIER_*: every cap is number | string.
const businessCapabilityUpdate = z.object({
  max_daily_conversation_per_phone: numberOrString.optional(),
  max_daily_conversations_per_business: numberOrString.optional(),
  max_phone_numbers_per_business: numberOrString.optional(),
  max_phone_numbers_per_waba: numberOrString.optional(),
});

const accountReviewUpdate = z.object({ decision });

/** Meta's webhook error form: title repeats message. 137000 is the identity-key mismatch. */
const webhookError = z.object({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.object({ details: z.string().optional() }).optional(),
  href: z.string().optional(),
});

const metadata = z.object({ display_phone_number: z.string(), phone_number_id: z.string() });

const contact = z.object({
  profile: z.object({ name: z.string().optional() }).optional(),
  wa_id: z.string(),
  /** Present only while the number's identity check is on (docs/meta-graph-api.md#identity-change-check). */
  identity_key_hash: z.string().optional(),
});

// Message types are many (text, image, interactive …): the common part is typed, the rest kept as sent.
const inboundMessage = z.looseObject({
  from: z.string(),
  id: z.string(),
  timestamp: z.string(),
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  errors: z.array(webhookError).optional(),
});

const messageStatus = z.object({
  id: z.string(),
  status: openEnum(['sent', 'delivered', 'read', 'failed', 'played']),
  timestamp: z.string(),
  recipient_id: z.string(),
  recipient_identity_key_hash: z.string().optional(),
  conversation: z.record(z.string(), z.unknown()).optional(),
  pricing: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(webhookError).optional(),
});

const messages = z.object({
  messaging_product: z.literal('whatsapp'),
  metadata,
  contacts: z.array(contact).optional(),
  messages: z.array(inboundMessage).optional(),
  statuses: z.array(messageStatus).optional(),
  errors: z.array(webhookError).optional(),
});

// Coexistence syncs: read loosely (their bodies are large and not in the spec); errors such as 2593109 typed.
const coexistence = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: metadata.optional(),
  errors: z.array(webhookError).optional(),
});

export const webhookFieldSchemas = {
  account_update: accountUpdate,
  phone_number_name_update: phoneNumberNameUpdate,
  phone_number_quality_update: phoneNumberQualityUpdate,
  business_capability_update: businessCapabilityUpdate,
  account_review_update: accountReviewUpdate,
  messages,
  history: coexistence,
  smb_app_state_sync: coexistence,
  smb_message_echoes: coexistence,
} as const;

export type KnownWebhookField = keyof typeof webhookFieldSchemas;

export type AccountUpdate = z.infer<typeof accountUpdate>;
export type PhoneNumberNameUpdate = z.infer<typeof phoneNumberNameUpdate>;
export type PhoneNumberQualityUpdate = z.infer<typeof phoneNumberQualityUpdate>;
export type BusinessCapabilityUpdate = z.infer<typeof businessCapabilityUpdate>;
export type AccountReviewUpdate = z.infer<typeof accountReviewUpdate>;
export type MessagesValue = z.infer<typeof messages>;
export type MessageStatus = z.infer<typeof messageStatus>;
export type WebhookError = z.infer<typeof webhookError>;
export type CoexistenceValue = z.infer<typeof coexistence>;
