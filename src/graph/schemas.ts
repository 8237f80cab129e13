// What Graph answers on success (docs/meta-graph-api.md#transport, #endpoints). Each answer is zod-checked; unknown extra fields are
// dropped, since Meta adds fields, while a known field of the wrong shape fails as GraphResponseError.
import { z } from 'zod';
import { phoneNumberFieldsSchema } from './phone-number.js';

/** Every mutation answers {"success":true}; false would mean Meta did nothing, so it fails the call. */
export const successSchema = z.object({ success: z.literal(true) });

export const createdSchema = z.object({ id: z.string() });

/** The answer to a send: the message's id (its statuses name it) and the customer's wa_id. */
export const sentMessageSchema = z.object({
  contacts: z.array(z.object({ input: z.string().optional(), wa_id: z.string() })).optional(),
  messages: z.array(z.object({ id: z.string() })).min(1),
});

// paging.next / previous are dropped on purpose: Graph writes the access_token into those URLs.
const pagingSchema = z
  .object({
    cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
    next: z.string().optional(),
  })
  .transform((paging) => ({
    before: paging.cursors?.before,
    after: paging.cursors?.after,
    hasNext: paging.next !== undefined,
  }));
export type Paging = z.output<typeof pagingSchema>;

export const phoneNumberPageSchema = z.object({
  data: z.array(phoneNumberFieldsSchema),
  paging: pagingSchema.optional(),
});

/** GET /{waba-id}?fields=owner_business_info: the business portfolio that owns the WABA. */
export const wabaOwnerSchema = z
  .object({
    id: z.string(),
    owner_business_info: z.object({ id: z.string().regex(/^\d+$/), name: z.string().optional() }),
  })
  .transform((answer) => ({
    wabaId: answer.id,
    portfolioId: answer.owner_business_info.id,
    name: answer.owner_business_info.name,
  }));
export type WabaOwner = z.output<typeof wabaOwnerSchema>;

/**
 * GET /{waba-id}?fields=business_verification_status: the owning business's verification (verified, not_verified,
 * pending, …; an open set). Absent when Meta does not report it.
 */
export const businessVerificationSchema = z
  .object({ id: z.string(), business_verification_status: z.string().optional() })
  .transform((answer) => ({ wabaId: answer.id, status: answer.business_verification_status ?? null }));
export type BusinessVerification = z.output<typeof businessVerificationSchema>;

export const subscribedAppsSchema = z.object({
  data: z.array(
    z.object({
      whatsapp_business_api_data: z.object({
        id: z.string(),
        name: z.string().optional(),
        link: z.string().optional(),
      }),
      override_callback_uri: z.string().optional(),
    }),
  ),
});
export type SubscribedApp = z.infer<typeof subscribedAppsSchema>['data'][number];

/** GET /{phone-number-id}/settings: only payload_encryption.status is documented, so the rest stays loose. */
export const settingsSchema = z.object({
  calling: z.record(z.string(), z.unknown()).optional(),
  payload_encryption: z.looseObject({ status: z.string().optional() }).optional(),
  storage_configuration: z.record(z.string(), z.unknown()).optional(),
  // ⚠ Unconfirmed whether GET returns it, and under which key (docs/sandbox-assumptions.md#settings-read-back): both are read.
  user_identity_change: z
    .object({ enable_identity_key_check: z.boolean().optional(), enabled: z.boolean().optional() })
    .optional(),
});
export type PhoneNumberSettings = z.infer<typeof settingsSchema>;

export const smbAppDataSchema = z
  .object({ messaging_product: z.literal('whatsapp').optional(), request_id: z.string() })
  .transform((answer) => ({ requestId: answer.request_id }));

/** ⚠ Only access_token is confirmed (docs/sandbox-assumptions.md#token-exchange); token_type and expires_in are read when present. */
export const signupTokenSchema = z
  .object({ access_token: z.string().min(1), token_type: z.string().optional(), expires_in: z.number().optional() })
  .transform((answer) => ({
    accessToken: answer.access_token,
    tokenType: answer.token_type,
    expiresIn: answer.expires_in,
  }));
export type SignupToken = z.output<typeof signupTokenSchema>;

const debugTokenDataSchema = z.object({
  app_id: z.string().optional(),
  type: z.string().optional(),
  application: z.string().optional(),
  is_valid: z.boolean(),
  /** Unix seconds; 0 means the token never expires. */
  expires_at: z.number().optional(),
  data_access_expires_at: z.number().optional(),
  issued_at: z.number().optional(),
  user_id: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  granular_scopes: z.array(z.object({ scope: z.string(), target_ids: z.array(z.string()).optional() })).optional(),
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
});
export type DebugTokenData = z.infer<typeof debugTokenDataSchema>;

export const debugTokenSchema = z.object({ data: debugTokenDataSchema }).transform((answer) => answer.data);
