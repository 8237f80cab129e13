// Graph routes on a WABA (docs/meta-graph-api.md#adding-a-number, #listing-numbers, #webhook-subscription): its phone numbers and the app's subscription.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { subscribeApp, subscribedApps } from '../accounts.js';
import type { SandboxCore } from '../core.js';
import { NUMBER_LIST_DEFAULT_FIELDS, parseFields, projectNumber } from '../fields.js';
import { invalidParameter } from '../graph-error.js';
import type { PhoneNumber } from '../model.js';
import { addPhoneNumber } from '../numbers.js';
import type { GraphCall } from './graph-call.js';
import { objectRoute } from './graph-route.js';
import { boolish, jsonParam, nonEmptyText, text } from './input.js';

const addInput = z.object({
  cc: text.pipe(z.string().regex(/^\d{1,3}$/, 'must be a country calling code such as "1"')),
  phone_number: text.pipe(z.string().regex(/^[\d\s()+-]{4,20}$/, 'must be a phone number')),
  verified_name: nonEmptyText,
  migrate_phone_number: boolish.optional(),
  preverified_id: text.optional(),
});

const filter = z.object({ field: z.string(), operator: z.literal('EQUAL'), value: z.string() });
const listInput = z.object({
  fields: text.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(25),
  after: z.string().optional(),
  before: z.string().optional(),
  // ⚠ docs/sandbox-assumptions.md#sort-syntax: sort=['last_onboarded_time_ascending'] or sort=last_onboarded_time.asc; both work.
  sort: text.optional(),
  filtering: jsonParam(z.array(filter)).optional(),
});

const subscribeInput = z.object({ override_callback_uri: z.url().optional(), verify_token: text.optional() });

const success = { success: true } as const;

function cursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function cursorIndex(numbers: PhoneNumber[], value: string): number {
  const id = Buffer.from(value, 'base64url').toString();
  const index = numbers.findIndex((n) => n.id === id);
  if (index < 0) throw invalidParameter('The paging cursor is invalid or has expired');
  return index;
}

/**
 * Paging links point back at the sandbox with the same version. Meta also copies access_token into them; the
 * sandbox leaves it out so no token lands in a log that records a URL.
 */
function pageLink(request: FastifyRequest, call: GraphCall, wabaId: string, params: Record<string, string>): string {
  const url = new URL(`http://${request.headers.host ?? '127.0.0.1'}/${call.version}/${wabaId}/phone_numbers`);
  for (const [key, value] of Object.entries(call.params)) {
    if (!['access_token', 'after', 'before'].includes(key) && typeof value !== 'object')
      url.searchParams.set(key, String(value));
  }
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}

export function registerWabaRoutes(app: FastifyInstance, core: SandboxCore): void {
  objectRoute(app, core, 'waba', {
    method: 'POST',
    edge: 'phone_numbers',
    input: addInput,
    handle: ({ waba, input }) => {
      const number = addPhoneNumber(core, waba, {
        cc: input.cc,
        phoneNumber: input.phone_number,
        verifiedName: input.verified_name,
      });
      return { id: number.id };
    },
  });

  objectRoute(app, core, 'waba', {
    method: 'GET',
    edge: 'phone_numbers',
    input: listInput,
    handle: ({ waba, input, request, call }) => {
      const fields = parseFields(input.fields, NUMBER_LIST_DEFAULT_FIELDS);
      const ascending = /ascending|\.asc\b/.test(input.sort ?? '');
      const sorted = core.store
        .numbersOfWaba(waba.id)
        .map((number, index) => ({ number, index }))
        .sort((a, b) => (a.number.onboardedAt - b.number.onboardedAt || a.index - b.index) * (ascending ? 1 : -1))
        .map(({ number }) => number)
        .filter((number) =>
          (input.filtering ?? []).every((f) => projectNumber(core, number, [f.field])[f.field] === f.value),
        );
      const end = input.before ? cursorIndex(sorted, input.before) : undefined;
      const start = input.after
        ? cursorIndex(sorted, input.after) + 1
        : end !== undefined
          ? Math.max(0, end - input.limit)
          : 0;
      const page = sorted.slice(start, Math.min(end ?? Infinity, start + input.limit));
      const first = page[0];
      const last = page.at(-1);
      if (!first || !last) return { data: [] };
      const more = start + page.length < sorted.length;
      return {
        data: page.map((number) => projectNumber(core, number, fields)),
        paging: {
          cursors: { before: cursor(first.id), after: cursor(last.id) },
          ...(start > 0 ? { previous: pageLink(request, call, waba.id, { before: cursor(first.id) }) } : {}),
          ...(more ? { next: pageLink(request, call, waba.id, { after: cursor(last.id) }) } : {}),
        },
      };
    },
  });

  objectRoute(app, core, 'waba', {
    method: 'POST',
    edge: 'subscribed_apps',
    input: subscribeInput,
    handle: async ({ waba, input }) => {
      await subscribeApp(core, waba, {
        overrideCallbackUri: input.override_callback_uri,
        verifyToken: input.verify_token,
      });
      return success;
    },
  });

  objectRoute(app, core, 'waba', {
    method: 'GET',
    edge: 'subscribed_apps',
    input: z.object({}),
    handle: ({ waba }) => ({ data: subscribedApps(core, waba) }),
  });

  objectRoute(app, core, 'waba', {
    method: 'DELETE',
    edge: 'subscribed_apps',
    input: z.object({}),
    handle: ({ waba }) => {
      waba.subscribedApp = undefined;
      return success;
    },
  });
}
