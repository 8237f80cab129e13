// A phone number as GET /{phone-number-id}?fields=… and GET /{waba-id}/phone_numbers return it (see
// docs/meta-graph-api.md#reading-a-number). Field names stay Meta's, since callers pick them in `fields`. Every field but `id` is optional: Meta
// answers only what was asked for, and omits what is unset (new_display_name before a name change).
import { z } from 'zod';
import { openEnum } from './open-enum.js';

// Enum lists hold the values of every source (OFFLINE, UNVERIFIED, NON_EXISTS, UNKNOWN included); openEnum
// still lets a value Meta adds later through, so polling a number never fails on a new status.
const status = openEnum([
  'PENDING',
  'DELETED',
  'MIGRATED',
  'BANNED',
  'RESTRICTED',
  'RATE_LIMITED',
  'FLAGGED',
  'CONNECTED',
  'DISCONNECTED',
  'UNKNOWN',
  'UNVERIFIED',
  'OFFLINE',
]);
const codeVerificationStatus = openEnum(['NOT_VERIFIED', 'VERIFIED', 'EXPIRED', 'UNVERIFIED']);
const nameStatus = openEnum([
  'APPROVED',
  'AVAILABLE_WITHOUT_REVIEW',
  'DECLINED',
  'EXPIRED',
  'PENDING_REVIEW',
  'NONE',
  'NON_EXISTS',
]);
const canSendMessage = openEnum(['AVAILABLE', 'LIMITED', 'BLOCKED']);

const healthStatus = z.object({
  can_send_message: canSendMessage,
  entities: z
    .array(
      z.object({
        entity_type: openEnum(['PHONE_NUMBER', 'WABA', 'BUSINESS', 'APP', 'MESSAGE_TEMPLATE']),
        id: z.string(),
        can_send_message: canSendMessage,
        errors: z
          .array(
            z.object({
              error_code: z.number(),
              error_description: z.string().optional(),
              possible_solution: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

export const phoneNumberFieldsSchema = z.object({
  id: z.string(),
  display_phone_number: z.string().optional(),
  verified_name: z.string().optional(),
  status: status.optional(),
  code_verification_status: codeVerificationStatus.optional(),
  name_status: nameStatus.optional(),
  new_name_status: nameStatus.optional(),
  new_display_name: z.string().optional(),
  quality_rating: openEnum(['GREEN', 'YELLOW', 'RED', 'NA', 'UNKNOWN']).optional(),
  quality_score: z.looseObject({ score: z.string().optional() }).optional(),
  platform_type: openEnum(['CLOUD_API', 'ON_PREMISE', 'NOT_APPLICABLE']).optional(),
  throughput: z.object({ level: openEnum(['STANDARD', 'HIGH', 'NOT_APPLICABLE']) }).optional(),
  messaging_limit_tier: openEnum([
    'TIER_50',
    'TIER_250',
    'TIER_1K',
    'TIER_2K',
    'TIER_10K',
    'TIER_100K',
    'TIER_UNLIMITED',
  ]).optional(),
  // Its shape is not in the sources (docs/meta-graph-api.md#reading-a-number only names it): kept as Meta sends it.
  whatsapp_business_manager_messaging_limit: z.unknown().optional(),
  account_mode: openEnum(['SANDBOX', 'LIVE']).optional(),
  is_official_business_account: z.boolean().optional(),
  is_pin_enabled: z.boolean().optional(),
  is_preverified_number: z.boolean().optional(),
  is_on_biz_app: z.boolean().optional(),
  last_onboarded_time: z.string().optional(),
  certificate: z.string().optional(),
  new_certificate: z.string().optional(),
  search_visibility: z.string().optional(),
  eligibility_for_api_business_global_search: z.string().optional(),
  webhook_configuration: z.record(z.string(), z.unknown()).optional(),
  health_status: healthStatus.optional(),
});

export type PhoneNumberFields = z.infer<typeof phoneNumberFieldsSchema>;
export type PhoneNumberField = keyof PhoneNumberFields;
export type PhoneNumberStatus = NonNullable<PhoneNumberFields['status']>;
export type CodeVerificationStatus = NonNullable<PhoneNumberFields['code_verification_status']>;
export type NameStatus = NonNullable<PhoneNumberFields['name_status']>;
export type HealthStatus = z.infer<typeof healthStatus>;

/** Every field docs/meta-graph-api.md#reading-a-number lists, e.g. to read a number whole. */
export const PHONE_NUMBER_FIELDS = Object.keys(phoneNumberFieldsSchema.shape) as PhoneNumberField[];
