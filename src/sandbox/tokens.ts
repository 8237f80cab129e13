// Access tokens: the sandbox accepts only tokens it issued, each scoped to WABAs like a business-integration system
// user token (docs/meta-graph-api.md#embedded-signup). Embedded Signup codes live 30 s of sandbox time and are single use.
import { SECOND } from './clock.js';
import { type SandboxCore, adminWaba } from './core.js';
import { GraphApiError, invalidParameter } from './graph-error.js';
import { type AccessToken, WHATSAPP_SCOPES, type Waba, type WhatsAppScope } from './model.js';

const SIGNUP_CODE_TTL_MS = 30 * SECOND;

export function issueToken(core: SandboxCore, input: { wabaIds: string[]; scopes?: string[] }): string {
  for (const wabaId of input.wabaIds) adminWaba(core, wabaId);
  const random = core.random.stream('tokens');
  const token: AccessToken = {
    value: `EAAS${random.alphanumeric(60)}`,
    wabaIds: [...input.wabaIds],
    scopes: [...(input.scopes ?? WHATSAPP_SCOPES)],
    issuedAt: core.clock.now(),
    userId: random.digits(15),
  };
  core.store.tokens.set(token.value, token);
  return token.value;
}

export function createSignupCode(core: SandboxCore, input: { wabaId: string }): { code: string } {
  adminWaba(core, input.wabaId);
  const code = `AQ${core.random.stream('tokens').alphanumeric(48)}`;
  core.store.signupCodes.set(code, {
    code,
    wabaId: input.wabaId,
    expiresAt: core.clock.now() + SIGNUP_CODE_TTL_MS,
    used: false,
  });
  return { code };
}

/**
 * GET /oauth/access_token. ⚠ Meta does not document the codes for a bad secret or a used or expired code (docs/sandbox-assumptions.md#token-exchange):
 * the sandbox answers 100 with Meta's usual OAuth wording in details. The answer carries `access_token` and
 * `token_type`; no `expires_in`, since system-user tokens do not expire.
 */
export function exchangeSignupCode(
  core: SandboxCore,
  input: { clientId: string; clientSecret: string; code: string },
): { access_token: string; token_type: 'bearer' } {
  if (input.clientId !== core.settings.appId)
    throw invalidParameter('Error validating application. Invalid application ID.');
  if (input.clientSecret !== core.settings.appSecret) throw invalidParameter('Error validating client secret.');
  const signup = core.store.signupCodes.get(input.code);
  if (!signup) throw invalidParameter('Invalid verification code format.');
  if (signup.used) throw invalidParameter('This authorization code has been used.');
  if (core.clock.now() >= signup.expiresAt) throw invalidParameter('This authorization code has expired.');
  signup.used = true;
  return { access_token: issueToken(core, { wabaIds: [signup.wabaId] }), token_type: 'bearer' };
}

/** Every token of the WABA stops working (190), as when the customer takes the app's access away; answers how many. */
export function revokeTokens(core: SandboxCore, wabaId: string): { revoked: number } {
  adminWaba(core, wabaId);
  let revoked = 0;
  for (const token of core.store.tokens.values()) {
    if (token.revokedAt === undefined && token.wabaIds.includes(wabaId)) {
      token.revokedAt = core.clock.now();
      revoked += 1;
    }
  }
  return { revoked };
}

/** GET /debug_token, called with the app token "APP_ID|APP_SECRET". An unknown input token reads is_valid:false. */
export function debugToken(
  core: SandboxCore,
  input: { inputToken: string; accessToken?: string },
): { data: Record<string, unknown> } {
  const { appId, appSecret } = core.settings;
  if (input.accessToken !== `${appId}|${appSecret}`) {
    throw new GraphApiError(190, 'debug_token needs the app access token APP_ID|APP_SECRET');
  }
  const token = core.store.tokens.get(input.inputToken);
  const base = { app_id: appId, type: 'SYSTEM_USER', application: 'numberflow sandbox app' };
  if (!token || token.revokedAt !== undefined) {
    return {
      data: { ...base, is_valid: false, scopes: [], error: { code: 190, message: 'Invalid OAuth access token.' } },
    };
  }
  return {
    data: {
      ...base,
      is_valid: true,
      expires_at: 0,
      data_access_expires_at: 0,
      issued_at: Math.floor(token.issuedAt / SECOND),
      user_id: token.userId,
      scopes: token.scopes,
      granular_scopes: token.scopes.map((scope) => ({ scope, target_ids: token.wabaIds })),
    },
  };
}

/** The token behind a Graph call, or 190 when it is missing or not one the sandbox issued. */
export function authenticate(core: SandboxCore, value: string | undefined): AccessToken {
  if (!value) throw new GraphApiError(190, 'An access token is required to request this resource.');
  const token = core.store.tokens.get(value);
  if (!token) throw new GraphApiError(190, 'Invalid OAuth access token - Cannot parse access token');
  if (token.revokedAt !== undefined) {
    throw new GraphApiError(
      190,
      'The session has been invalidated because the user changed their password or removed the app',
    );
  }
  return token;
}

/** 200 when the token does not target the WABA, lacks a scope, or the partner was removed from the WABA. */
export function authorize(token: AccessToken, waba: Waba, scopes: readonly WhatsAppScope[]): void {
  if (waba.partnerRemoved || !token.wabaIds.includes(waba.id)) {
    throw new GraphApiError(200, `the access token has no permission on WhatsApp Business Account ${waba.id}`);
  }
  const missing = scopes.filter((scope) => !token.scopes.includes(scope));
  if (missing.length > 0) throw new GraphApiError(200, `the access token lacks the permission ${missing.join(', ')}`);
}
