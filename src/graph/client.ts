// The typed Graph API client for onboarding WhatsApp Business phone numbers (docs/meta-graph-api.md#endpoints). Each method is
// one Graph call; the WABA it acts on picks the access token, which never passes through a method's arguments.
import {
  checkApiVersion,
  checkGraphId,
  checkLanguage,
  checkOneOf,
  checkOtp,
  checkText,
  checkVerifiedName,
  checkTwoStepPin,
  CODE_METHODS,
  DATA_LOCALIZATION_REGIONS,
  GraphInputError,
  type CodeMethod,
  type DataLocalizationRegion,
} from './inputs.js';
import { phoneNumberFieldsSchema, type PhoneNumberField, type PhoneNumberFields } from './phone-number.js';
import {
  createdSchema,
  debugTokenSchema,
  phoneNumberPageSchema,
  sentMessageSchema,
  settingsSchema,
  signupTokenSchema,
  smbAppDataSchema,
  subscribedAppsSchema,
  successSchema,
  type DebugTokenData,
  type Paging,
  type PhoneNumberSettings,
  type SignupToken,
  type SubscribedApp,
  type WabaOwner,
  wabaOwnerSchema,
  type BusinessVerification,
  businessVerificationSchema,
} from './schemas.js';
import type { TokenProvider } from './tokens.js';
import type { NumberRef, SmbSyncType } from '../domain/number.js';
import {
  endpoint,
  GraphTransport,
  type Endpoint,
  type GraphCall,
  type GraphCallObserver,
  type HttpMethod,
} from './transport.js';

// A number and the WABA that holds it (the WABA picks the token and the rate-limit header entry).
export type { NumberRef, SmbSyncType } from '../domain/number.js';

export interface SendTextInput {
  /** The customer's wa_id (or phone number). */
  to: string;
  body: string;
  recipientIdentityKeyHash?: string;
}

export interface GraphClientOptions {
  tokens: TokenProvider;
  /** Default https://graph.facebook.com; the sandbox's url in tests. */
  baseUrl?: string;
  /** Default v23.0 (the version of Meta's OpenAPI spec); must match ^v\d+\.\d+$. */
  apiVersion?: string;
  /** Needed only by exchangeSignupCode and debugToken. */
  appId?: string;
  appSecret?: string;
  connectTimeoutMs?: number;
  /** Longest wait for the answer's headers, and then for each stretch of its body. */
  requestTimeoutMs?: number;
  /** Keep-alive connections to Graph at most. */
  connections?: number;
  /** Told how each call ended (metrics). */
  observe?: GraphCallObserver;
}

export interface AddPhoneNumberInput {
  /** Country calling code without "+", e.g. "1". */
  cc: string;
  phoneNumber: string;
  /** The display name submitted for review. */
  verifiedName: string;
  migratePhoneNumber?: boolean;
  preverifiedId?: string;
}

export interface ListPhoneNumbersOptions {
  fields?: readonly PhoneNumberField[];
  limit?: number;
  after?: string;
}

export interface PhoneNumberPage {
  data: PhoneNumberFields[];
  paging?: Paging;
}

export interface RequestCodeInput {
  codeMethod: CodeMethod;
  /** A locale such as en_US. */
  language: string;
}

export interface RegisterInput {
  /** The two-step PIN: becomes the PIN, or must match the one already set. */
  pin: string;
  dataLocalizationRegion?: DataLocalizationRegion;
}

export interface SubscribeAppInput {
  overrideCallbackUri?: string;
  verifyToken?: string;
}

const PHONE_NUMBER = '/{phone-number-id}';

export class GraphClient {
  readonly apiVersion: string;
  readonly #tokens: TokenProvider;
  readonly #transport: GraphTransport;
  readonly #appId?: string;
  readonly #appSecret?: string;

  /** The app this client asks as, where its credentials were given (Embedded Signup's exchange, webhooks). */
  get appId(): string | undefined {
    return this.#appId;
  }

  constructor(options: GraphClientOptions) {
    this.apiVersion = checkApiVersion(options.apiVersion ?? 'v23.0');
    this.#tokens = options.tokens;
    this.#appId = options.appId;
    this.#appSecret = options.appSecret;
    this.#transport = new GraphTransport({
      baseUrl: options.baseUrl ?? 'https://graph.facebook.com',
      apiVersion: this.apiVersion,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      connections: options.connections ?? 8,
      observe: options.observe,
    });
  }

  /** POST /{waba-id}/phone_numbers (JSON). The number starts unverified. */
  async addPhoneNumber(wabaId: string, input: AddPhoneNumberInput): Promise<{ id: string }> {
    const at = endpoint('POST', '/{waba-id}/phone_numbers', { 'waba-id': wabaId });
    if (!/^\d{1,4}$/.test(input.cc)) throw new GraphInputError('cc must be the country calling code digits', at.label);
    return this.#asWaba(wabaId, {
      endpoint: at,
      json: {
        cc: input.cc,
        phone_number: checkText(input.phoneNumber, 'phoneNumber', at.label),
        verified_name: checkVerifiedName(input.verifiedName, at.label),
        migrate_phone_number: input.migratePhoneNumber,
        preverified_id: input.preverifiedId,
      },
      schema: createdSchema,
    });
  }

  /** GET /{waba-id}/phone_numbers: one page; `paging.after` asks for the next. */
  async listPhoneNumbers(wabaId: string, options: ListPhoneNumbersOptions = {}): Promise<PhoneNumberPage> {
    const at = endpoint('GET', '/{waba-id}/phone_numbers', { 'waba-id': wabaId });
    return this.#asWaba(wabaId, {
      endpoint: at,
      query: { fields: options.fields?.join(','), limit: options.limit, after: options.after },
      schema: phoneNumberPageSchema,
    });
  }

  /** Every number of the WABA, page after page, following Graph's cursors. */
  async *allPhoneNumbers(wabaId: string, fields?: readonly PhoneNumberField[]): AsyncGenerator<PhoneNumberFields> {
    let after: string | undefined;
    for (;;) {
      const page = await this.listPhoneNumbers(wabaId, { fields, after });
      yield* page.data;
      const next = page.paging?.hasNext ? page.paging.after : undefined;
      // A repeated cursor would loop forever; an empty page ends the list whatever paging says.
      if (!next || next === after || page.data.length === 0) return;
      after = next;
    }
  }

  /** GET /{phone-number-id}?fields=…; Meta always adds `id`. */
  async getPhoneNumber(ref: NumberRef, fields: readonly PhoneNumberField[]): Promise<PhoneNumberFields> {
    return this.#forNumber(ref, 'GET', '', {
      query: { fields: fields.length > 0 ? fields.join(',') : undefined },
      schema: phoneNumberFieldsSchema,
    });
  }

  /** POST /{phone-number-id}/request_code, as form fields like Meta's examples. */
  async requestCode(ref: NumberRef, input: RequestCodeInput): Promise<void> {
    const label = `POST ${PHONE_NUMBER}/request_code`;
    const form = {
      code_method: checkOneOf(input.codeMethod, CODE_METHODS, 'codeMethod', label),
      language: checkLanguage(input.language, label),
    };
    await this.#forNumber(ref, 'POST', '/request_code', { form, schema: successSchema });
  }

  /** POST /{phone-number-id}/verify_code. A code that is not 6 digits fails here, without spending an attempt. */
  async verifyCode(ref: NumberRef, code: string): Promise<void> {
    const digits = checkOtp(code, `POST ${PHONE_NUMBER}/verify_code`);
    await this.#forNumber(ref, 'POST', '/verify_code', {
      form: { code: digits },
      secrets: [code, digits],
      schema: successSchema,
    });
  }

  /** POST /{phone-number-id}/register (JSON): counts toward Meta's 10 register/deregister calls per 72 h. */
  async register(ref: NumberRef, input: RegisterInput): Promise<void> {
    const label = `POST ${PHONE_NUMBER}/register`;
    const pin = checkTwoStepPin(input.pin, label);
    const region = input.dataLocalizationRegion;
    await this.#forNumber(ref, 'POST', '/register', {
      json: {
        messaging_product: 'whatsapp',
        pin,
        data_localization_region:
          region === undefined ? undefined : checkOneOf(region, DATA_LOCALIZATION_REGIONS, 'region', label),
      },
      secrets: [pin],
      schema: successSchema,
    });
  }

  /** POST /{phone-number-id}/deregister: also counts toward the 10 per 72 h; not for coexistence numbers. */
  async deregister(ref: NumberRef): Promise<void> {
    await this.#forNumber(ref, 'POST', '/deregister', { schema: successSchema });
  }

  /** POST /{phone-number-id} {"pin"}: sets or changes the two-step PIN (it cannot be turned off by API). */
  async setTwoStepPin(ref: NumberRef, pin: string): Promise<void> {
    const checked = checkTwoStepPin(pin, `POST ${PHONE_NUMBER}`);
    await this.#forNumber(ref, 'POST', '', { json: { pin: checked }, secrets: [checked], schema: successSchema });
  }

  /** POST /{phone-number-id}/settings with the key of Meta's guide and SDKs (⚠ docs/sandbox-assumptions.md#settings-key). */
  async setIdentityCheck(ref: NumberRef, enabled: boolean): Promise<void> {
    await this.#forNumber(ref, 'POST', '/settings', {
      json: { user_identity_change: { enable_identity_key_check: enabled } },
      schema: successSchema,
    });
  }

  /**
   * POST /{phone-number-id}/messages: a text message to a WhatsApp user. With the identity check on, the customer's
   * hash goes beside `to`; Meta then refuses the message (137000) if the customer's identity changed.
   */
  async sendText(ref: NumberRef, input: SendTextInput): Promise<{ messageId: string }> {
    const label = `POST ${PHONE_NUMBER}/messages`;
    const answer = await this.#forNumber(ref, 'POST', '/messages', {
      json: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: checkText(input.to, 'to', label),
        type: 'text',
        text: { body: checkText(input.body, 'text', label) },
        recipient_identity_key_hash: input.recipientIdentityKeyHash,
      },
      schema: sentMessageSchema,
    });
    return { messageId: answer.messages[0]?.id ?? '' };
  }

  async getSettings(ref: NumberRef): Promise<PhoneNumberSettings> {
    return this.#forNumber(ref, 'GET', '/settings', { schema: settingsSchema });
  }

  /** POST /{phone-number-id}?new_display_name=… — the name goes to review; see name_status / new_name_status. */
  async requestDisplayNameChange(ref: NumberRef, newDisplayName: string): Promise<void> {
    const name = checkVerifiedName(newDisplayName, `POST ${PHONE_NUMBER}`);
    await this.#forNumber(ref, 'POST', '', { query: { new_display_name: name }, schema: successSchema });
  }

  /**
   * GET /{waba-id}?fields=owner_business_info: which portfolio (business) owns the WABA. With `token`, read with that
   * token instead of the WABA's stored one (a signup's new token, before it is stored).
   */
  async getWabaOwner(wabaId: string, token?: string): Promise<WabaOwner> {
    const call = {
      endpoint: endpoint('GET', '/{waba-id}', { 'waba-id': wabaId }),
      query: { fields: 'owner_business_info' },
      schema: wabaOwnerSchema,
    };
    return this.#asWaba(wabaId, call, token);
  }

  /** GET /{waba-id}?fields=business_verification_status: whether the business that owns the WABA is verified. */
  async getBusinessVerification(wabaId: string): Promise<BusinessVerification> {
    const at = endpoint('GET', '/{waba-id}', { 'waba-id': wabaId });
    const query = { fields: 'business_verification_status' };
    return this.#asWaba(wabaId, { endpoint: at, query, schema: businessVerificationSchema });
  }

  /** POST /{waba-id}/subscribed_apps: this app receives the WABA's webhooks (optionally at another URL). */
  async subscribeApp(wabaId: string, input: SubscribeAppInput = {}): Promise<void> {
    const at = endpoint('POST', '/{waba-id}/subscribed_apps', { 'waba-id': wabaId });
    const hasBody = input.overrideCallbackUri !== undefined || input.verifyToken !== undefined;
    await this.#asWaba(wabaId, {
      endpoint: at,
      json: hasBody ? { override_callback_uri: input.overrideCallbackUri, verify_token: input.verifyToken } : undefined,
      secrets: input.verifyToken ? [input.verifyToken] : [],
      schema: successSchema,
    });
  }

  async listSubscribedApps(wabaId: string): Promise<SubscribedApp[]> {
    const at = endpoint('GET', '/{waba-id}/subscribed_apps', { 'waba-id': wabaId });
    const answer = await this.#asWaba(wabaId, { endpoint: at, schema: subscribedAppsSchema });
    return answer.data;
  }

  async unsubscribeApp(wabaId: string): Promise<void> {
    const at = endpoint('DELETE', '/{waba-id}/subscribed_apps', { 'waba-id': wabaId });
    await this.#asWaba(wabaId, { endpoint: at, schema: successSchema });
  }

  /** POST /{phone-number-id}/smb_app_data (coexistence): once per type, within 24 h of onboarding. */
  async syncSmbAppData(ref: NumberRef, syncType: SmbSyncType): Promise<{ requestId: string }> {
    const label = `POST ${PHONE_NUMBER}/smb_app_data`;
    const type = checkOneOf(syncType, ['smb_app_state_sync', 'history'] as const, 'syncType', label);
    return this.#forNumber(ref, 'POST', '/smb_app_data', {
      json: { messaging_product: 'whatsapp', sync_type: type },
      schema: smbAppDataSchema,
    });
  }

  /** GET /oauth/access_token: trades Embedded Signup's code (valid 30 s) for the business's token. */
  async exchangeSignupCode(code: string): Promise<SignupToken> {
    return this.#asApp('/oauth/access_token', signupTokenSchema, (app, label) => ({
      query: { client_id: app.appId, client_secret: app.appSecret, code: checkText(code, 'code', label) },
      secrets: [code],
    }));
  }

  /** GET /debug_token with the app token APP_ID|APP_SECRET: what a token may do, and on which WABAs. */
  async debugToken(inputToken: string): Promise<DebugTokenData> {
    return this.#asApp('/debug_token', debugTokenSchema, (app, label) => ({
      query: { input_token: checkText(inputToken, 'inputToken', label), access_token: `${app.appId}|${app.appSecret}` },
      secrets: [inputToken],
    }));
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  async #forNumber<T>(
    ref: NumberRef,
    method: HttpMethod,
    suffix: string,
    call: Omit<GraphCall<T>, 'endpoint' | 'token' | 'wabaId'>,
  ): Promise<T> {
    const at = endpoint(method, `${PHONE_NUMBER}${suffix}`, { 'phone-number-id': ref.phoneNumberId });
    return this.#asWaba(ref.wabaId, { ...call, endpoint: at });
  }

  /** A call as the WABA: with its stored token, or `token` when one is given (a signup's, not stored yet). */
  async #asWaba<T>(
    wabaId: string,
    call: Omit<GraphCall<T>, 'token' | 'wabaId'> & { endpoint: Endpoint },
    token?: string,
  ): Promise<T> {
    checkGraphId(wabaId, 'wabaId', call.endpoint.label);
    return this.#transport.send({ ...call, token: token ?? (await this.#tokens.tokenFor(wabaId)), wabaId });
  }

  /** Calls made with the app's own credentials (Embedded Signup), which need no WABA token. */
  async #asApp<T>(
    template: string,
    schema: GraphCall<T>['schema'],
    build: (app: { appId: string; appSecret: string }, label: string) => Pick<GraphCall<T>, 'query' | 'secrets'>,
  ): Promise<T> {
    const at = endpoint('GET', template);
    if (!this.#appId || !this.#appSecret) {
      throw new GraphInputError('appId and appSecret must be configured for Embedded Signup calls', at.label);
    }
    const { query, secrets = [] } = build({ appId: this.#appId, appSecret: this.#appSecret }, at.label);
    return this.#transport.send({ endpoint: at, query, secrets: [...secrets, this.#appSecret], schema });
  }
}
