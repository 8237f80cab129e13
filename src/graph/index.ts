// The Graph API client and webhook reading, as the rest of numberflow imports them.
export * from './errors.js';
export { classifyGraphFailure, type GraphFailure } from './classify.js';
export {
  GraphClient,
  type AddPhoneNumberInput,
  type GraphClientOptions,
  type ListPhoneNumbersOptions,
  type NumberRef,
  type PhoneNumberPage,
  type RegisterInput,
  type RequestCodeInput,
  type SmbSyncType,
  type SubscribeAppInput,
} from './client.js';
export * from './inputs.js';
export type { OpenEnum } from './open-enum.js';
export * from './phone-number.js';
export type { DebugTokenData, Paging, PhoneNumberSettings, SignupToken, SubscribedApp, WabaOwner } from './schemas.js';
export { SIGNATURE_HEADER, signWebhookBody, verifyWebhookSignature } from './signature.js';
export { tokenCoversWaba } from './signup.js';
export * from './tokens.js';
export { BUSINESS_USAGE_HEADER, parseBusinessUseCaseUsage, regainAccessMs } from './usage-headers.js';
export * from './webhook-fields.js';
export * from './webhooks.js';
