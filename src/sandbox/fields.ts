// Graph field selection (`fields=a,b{c}`) and the fields of a phone number and a WABA node (docs/meta-graph-api.md#listing-numbers,
// docs/meta-graph-api.md#reading-a-number). Graph echoes `id`, keeps the requested order, and leaves out fields that have no value.
import { graphErrorCatalog } from '../graph/errors.js';
import { activeRestrictions } from './accounts.js';
import { graphTimestamp } from './clock.js';
import type { SandboxCore } from './core.js';
import { invalidParameter } from './graph-error.js';
import type { PhoneNumber, Waba } from './model.js';
import { codeVerificationStatus } from './verification.js';

type FieldReader<T> = (core: SandboxCore, node: T) => unknown;

/** The default of docs/meta-graph-api.md#reading-a-number plus code_verification_status, which Meta's own example response includes. */
export const NUMBER_NODE_DEFAULT_FIELDS = [
  'id',
  'display_phone_number',
  'verified_name',
  'code_verification_status',
  'quality_rating',
];
/** The default of docs/meta-graph-api.md#listing-numbers plus the fields newer list responses carry. */
export const NUMBER_LIST_DEFAULT_FIELDS = [
  'verified_name',
  'code_verification_status',
  'display_phone_number',
  'quality_rating',
  'platform_type',
  'throughput',
  'last_onboarded_time',
  'id',
];
export const WABA_NODE_DEFAULT_FIELDS = ['id', 'name'];

const notRegistered = graphErrorCatalog[133010];

function healthStatus(core: SandboxCore, number: PhoneNumber): Record<string, unknown> {
  const waba = core.store.wabas.get(number.wabaId);
  const connected = number.status === 'CONNECTED';
  const entities = [
    {
      entity_type: 'PHONE_NUMBER',
      id: number.id,
      can_send_message: connected ? 'AVAILABLE' : 'BLOCKED',
      ...(connected
        ? {}
        : {
            errors: [
              {
                error_code: 133010,
                error_description: notRegistered?.title,
                possible_solution: notRegistered?.remediation,
              },
            ],
          }),
    },
    {
      entity_type: 'WABA',
      id: number.wabaId,
      can_send_message: waba && activeRestrictions(core, waba).length ? 'LIMITED' : 'AVAILABLE',
    },
    { entity_type: 'BUSINESS', id: waba?.portfolioId, can_send_message: 'AVAILABLE' },
    { entity_type: 'APP', id: core.settings.appId, can_send_message: 'AVAILABLE' },
  ];
  const states = entities.map((e) => e.can_send_message);
  const overall = states.includes('BLOCKED') ? 'BLOCKED' : states.includes('LIMITED') ? 'LIMITED' : 'AVAILABLE';
  return { can_send_message: overall, entities };
}

const numberFields: Record<string, FieldReader<PhoneNumber>> = {
  id: (_, n) => n.id,
  display_phone_number: (_, n) => n.display,
  verified_name: (_, n) => n.verifiedName,
  status: (_, n) => n.status,
  code_verification_status: (core, n) => codeVerificationStatus(n, core.clock.now()),
  name_status: (_, n) => n.nameStatus,
  new_name_status: (_, n) => n.nameChange?.status,
  new_display_name: (_, n) => n.nameChange?.name,
  quality_rating: (_, n) => (n.everConnected ? 'GREEN' : 'UNKNOWN'),
  quality_score: (_, n) => ({ score: n.everConnected ? 'GREEN' : 'UNKNOWN' }),
  platform_type: (_, n) => n.platformType,
  // Coexistence numbers have a fixed 20 messages/s (docs/meta-graph-api.md#coexistence), which no throughput level names.
  throughput: (_, n) => ({ level: n.isOnBizApp ? 'NOT_APPLICABLE' : 'STANDARD' }),
  messaging_limit_tier: () => 'TIER_250',
  whatsapp_business_manager_messaging_limit: () => 'TIER_250',
  account_mode: () => 'LIVE',
  is_official_business_account: () => false,
  is_pin_enabled: (core, n) => core.store.line(n.e164).pin !== undefined,
  is_preverified_number: () => false,
  is_on_biz_app: (_, n) => n.isOnBizApp,
  last_onboarded_time: (_, n) => graphTimestamp(n.onboardedAt),
  health_status: healthStatus,
  webhook_configuration: (core, n) => ({ application: core.webhooks.urlFor(n.wabaId) }),
  // ⚠ docs/sandbox-assumptions.md#values-meta-only-names: Meta names these without values: opaque strings shaped like Meta's (a base64 certificate, enum words).
  certificate: (_, n) => (n.everConnected ? Buffer.from(`sandbox-certificate:${n.id}`).toString('base64') : undefined),
  new_certificate: (_, n) =>
    n.nameChange?.status === 'APPROVED'
      ? Buffer.from(`sandbox-certificate:${n.id}:${n.nameChange.name}`).toString('base64')
      : undefined,
  search_visibility: () => 'NON_VISIBLE',
  eligibility_for_api_business_global_search: () => 'NON_ELIGIBLE_UNDETERMINED',
};

const wabaFields: Record<string, FieldReader<Waba>> = {
  id: (_, w) => w.id,
  name: (_, w) => w.name,
  account_review_status: () => 'APPROVED',
  owner_business_info: (core, w) => ({ id: w.portfolioId, name: core.store.portfolios.get(w.portfolioId)?.name }),
  business_verification_status: (core, w) =>
    core.store.portfolios.get(w.portfolioId)?.verificationStatus ?? 'not_verified',
};

/** "a,b{c,d},e.limit(2)" → ["a", "b", "e"]: sub-selections and modifiers are accepted and ignored. */
export function parseFields(raw: string | undefined, defaults: readonly string[]): string[] {
  if (raw === undefined || raw.trim() === '') return [...defaults];
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of `${raw},`) {
    if (ch === '{' || ch === '(') depth++;
    else if (ch === '}' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      const name = current.trim().split('.')[0] ?? '';
      if (name) names.push(name);
      current = '';
      continue;
    }
    if (depth === 0 && ch !== '}' && ch !== ')') current += ch;
  }
  return names;
}

function project<T>(
  core: SandboxCore,
  node: T,
  readers: Record<string, FieldReader<T>>,
  nodeType: string,
  fields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of [...fields.filter((f) => f !== 'id'), 'id']) {
    const read = readers[field];
    if (!read) throw invalidParameter(`Tried accessing nonexisting field (${field}) on node type (${nodeType})`);
    const value = read(core, node);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export function projectNumber(
  core: SandboxCore,
  number: PhoneNumber,
  fields: readonly string[],
): Record<string, unknown> {
  return project(core, number, numberFields, 'WhatsAppBusinessPhoneNumber', fields);
}

export function projectWaba(core: SandboxCore, waba: Waba, fields: readonly string[]): Record<string, unknown> {
  return project(core, waba, wabaFields, 'WhatsAppBusinessAccount', fields);
}
