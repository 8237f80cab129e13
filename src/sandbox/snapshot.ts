// The sandbox's whole state as plain JSON, and back: what a persisted sandbox (npm start's) writes to its state
// file and reloads at start. The file is an edge, so it is read through a zod schema; the schema is tied to the
// model's types, so a field added to the model without its place here fails the typecheck.
import { z } from 'zod';
import { dateRestrictions } from './accounts.js';
import type { CallLog, CallLogEntry } from './call-log.js';
import type { SandboxCore } from './core.js';
import type { FaultSpec } from './faults.js';
import {
  businessVerificationStatuses,
  registeredStatuses,
  type AccessToken,
  type Line,
  type OutboxEntry,
  type PhoneNumber,
  type Portfolio,
  type SignupCode,
  type Waba,
} from './model.js';
import type { RandomPurpose } from './random.js';
import type { WebhookDelivery, WebhookEnvelope } from './webhooks.js';

type PhoneNumberSnapshot = Omit<PhoneNumber, 'customers' | 'smbSyncs'> & {
  customers: [string, string][];
  smbSyncs: PhoneNumber['smbSyncs'] extends Set<infer T> ? T[] : never;
};

const times = z.array(z.number());
const nameStatus = z.enum(['APPROVED', 'DECLINED', 'PENDING_REVIEW']);

const portfolio: z.ZodType<Portfolio> = z.object({
  id: z.string(),
  name: z.string(),
  maxPhoneNumbers: z.number(),
  messagingLimit: z.number(),
  verificationStatus: z.enum(businessVerificationStatuses).optional(),
});
const waba: z.ZodType<Waba> = z.object({
  id: z.string(),
  portfolioId: z.string(),
  name: z.string(),
  restrictions: z.array(z.string()),
  restrictedUntil: z.record(z.string(), z.number()).optional(),
  partnerRemoved: z.boolean(),
  subscribedApp: z.object({ overrideCallbackUri: z.string().optional() }).optional(),
});
const line: z.ZodType<Line> = z.object({
  e164: z.string(),
  ivr: z.boolean(),
  pin: z.string().optional(),
  deletedAt: z.number().optional(),
});
const phoneNumber: z.ZodType<PhoneNumberSnapshot> = z.object({
  id: z.string(),
  wabaId: z.string(),
  e164: z.string(),
  digits: z.string(),
  display: z.string(),
  status: z.enum(['PENDING', 'DISCONNECTED', ...registeredStatuses]),
  everConnected: z.boolean(),
  connectGeneration: z.number(),
  verifiedAt: z.number().optional(),
  otp: z.object({ code: z.string(), expiresAt: z.number() }).optional(),
  otpRequests: times,
  registerCalls: times,
  verifiedName: z.string(),
  nameStatus,
  nameChange: z.object({ name: z.string(), status: nameStatus, approvedAt: z.number().optional() }).optional(),
  nameChangeRequests: times,
  reviewSerial: z.number(),
  platformType: z.enum(['CLOUD_API', 'NOT_APPLICABLE']),
  isOnBizApp: z.boolean(),
  onboardedAt: z.number(),
  dataLocalizationRegion: z.string().optional(),
  identityKeyCheck: z.boolean(),
  customers: z.array(z.tuple([z.string(), z.string()])),
  smbSyncs: z.array(z.enum(['smb_app_state_sync', 'history'])),
  lastPaidMessageAt: z.number().optional(),
  otherSettings: z.record(z.string(), z.record(z.string(), z.unknown())),
});
const token: z.ZodType<AccessToken> = z.object({
  value: z.string(),
  wabaIds: z.array(z.string()),
  scopes: z.array(z.string()),
  issuedAt: z.number(),
  userId: z.string(),
  revokedAt: z.number().optional(),
});
const signupCode: z.ZodType<SignupCode> = z.object({
  code: z.string(),
  wabaId: z.string(),
  expiresAt: z.number(),
  used: z.boolean(),
});
const outboxEntry: z.ZodType<OutboxEntry> = z.object({
  phoneNumberId: z.string(),
  e164: z.string(),
  method: z.enum(['SMS', 'VOICE']),
  code: z.string(),
  delivered: z.boolean(),
  at: z.string(),
});
const callLogEntry: z.ZodType<CallLogEntry> = z.object({
  at: z.string(),
  method: z.string(),
  path: z.string(),
  endpoint: z.string(),
  query: z.record(z.string(), z.unknown()),
  body: z.unknown(),
  status: z.number(),
  errorCode: z.number().optional(),
});
const envelope: z.ZodType<WebhookEnvelope> = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      time: z.number().optional(),
      changes: z.array(z.object({ field: z.string(), value: z.record(z.string(), z.unknown()) })),
    }),
  ),
});
const delivery: z.ZodType<WebhookDelivery> = z.object({
  id: z.string(),
  field: z.string(),
  wabaId: z.string(),
  payload: envelope,
  attempts: z.number(),
  delivered: z.boolean(),
  duplicated: z.boolean(),
  dropped: z.boolean(),
  gaveUp: z.boolean(),
  lastError: z.string().optional(),
});
const fault: z.ZodType<FaultSpec> = z.object({
  endpoint: z.string(),
  kind: z.enum(['error', 'latency', 'drop_webhook', 'duplicate_webhook']),
  code: z.number().optional(),
  details: z.string().optional(),
  latencyMs: z.number().optional(),
  times: z.number().optional(),
  probability: z.number().optional(),
});
const purpose = z.enum(['codes', 'ids', 'trace', 'faults', 'tokens']) satisfies z.ZodType<RandomPurpose>;

export const snapshotSchema = z.object({
  version: z.literal(1),
  clockOffsetMs: z.number(),
  random: z.object({ seed: z.number(), states: z.partialRecord(purpose, z.number()) }),
  portfolios: z.array(portfolio),
  wabas: z.array(waba),
  numbers: z.array(phoneNumber),
  lines: z.array(line),
  tokens: z.array(token),
  signupCodes: z.array(signupCode),
  outbox: z.array(outboxEntry),
  calls: z.array(callLogEntry),
  webhooks: z.array(delivery),
  faults: z.array(fault),
});
export type SandboxSnapshot = z.infer<typeof snapshotSchema>;

export function takeSnapshot(core: SandboxCore, callLog: CallLog): SandboxSnapshot {
  const { store } = core;
  return {
    version: 1,
    clockOffsetMs: core.clock.offset,
    random: { seed: core.random.seed, states: core.random.states() },
    portfolios: [...store.portfolios.values()],
    wabas: [...store.wabas.values()],
    numbers: [...store.numbers.values()].map((n) => ({
      ...n,
      customers: [...n.customers],
      smbSyncs: [...n.smbSyncs],
    })),
    lines: [...store.lines.values()],
    tokens: [...store.tokens.values()],
    signupCodes: [...store.signupCodes.values()],
    outbox: store.outbox,
    calls: callLog.list(),
    webhooks: core.webhooks.list(),
    faults: core.faults.active(),
  };
}

/** Loads a snapshot into a fresh sandbox (before it serves anything). The random seed is the snapshot's. */
export function restoreSnapshot(core: SandboxCore, callLog: CallLog, snapshot: SandboxSnapshot): void {
  const { store } = core;
  const byId = <T>(map: Map<string, T>, items: readonly T[], key: (item: T) => string) => {
    for (const item of items) map.set(key(item), structuredClone(item));
  };
  core.clock.restoreOffset(snapshot.clockOffsetMs);
  core.random.restoreStates(snapshot.random.states);
  byId(store.portfolios, snapshot.portfolios, (p) => p.id);
  byId(store.wabas, snapshot.wabas, (w) => w.id);
  for (const waba of store.wabas.values()) dateRestrictions(core, waba);
  byId(store.lines, snapshot.lines, (l) => l.e164);
  byId(store.tokens, snapshot.tokens, (t) => t.value);
  byId(store.signupCodes, snapshot.signupCodes, (c) => c.code);
  for (const n of snapshot.numbers) {
    store.numbers.set(n.id, { ...structuredClone(n), customers: new Map(n.customers), smbSyncs: new Set(n.smbSyncs) });
  }
  store.outbox.push(...structuredClone(snapshot.outbox));
  callLog.restore(snapshot.calls);
  core.faults.restore(snapshot.faults);
  core.webhooks.restore(snapshot.webhooks);
}
