// Graph routes on a phone number (docs/meta-graph-api.md#reading-a-number, #identity-change-check (the text send), #requesting-a-code, #verifying-the-code, #registration, #deregistration, #two-step-pin, #settings, #display-names, #coexistence-syncs), and GET /{id} for a number or a WABA.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SMB_SYNC_TYPES, requestSmbAppData } from '../coexistence.js';
import type { SandboxCore } from '../core.js';
import { requestNameChange } from '../display-names.js';
import { sendText } from '../identity.js';
import {
  NUMBER_NODE_DEFAULT_FIELDS,
  WABA_NODE_DEFAULT_FIELDS,
  parseFields,
  projectNumber,
  projectWaba,
} from '../fields.js';
import { invalidParameter } from '../graph-error.js';
import type { PhoneNumber } from '../model.js';
import { DATA_LOCALIZATION_REGIONS, deregister, register, setTwoStepPin } from '../registration.js';
import { requestCode, verifyCode } from '../verification.js';
import { MANAGEMENT_AND_MESSAGING, MESSAGING, numberRoute, objectRoute } from './graph-route.js';
import { boolish, jsonParam, nonEmptyText, sixDigits, text } from './input.js';

const success = { success: true } as const;
const whatsapp = z.literal('whatsapp', { error: 'must be "whatsapp"' });

const fieldsInput = z.object({ fields: text.optional() });

const numberUpdateInput = z
  .object({ pin: sixDigits('pin').optional(), new_display_name: nonEmptyText.optional() })
  .refine((v) => (v.pin === undefined) !== (v.new_display_name === undefined), {
    message: 'send exactly one of pin, new_display_name',
    path: ['pin'],
  });

const requestCodeInput = z.object({
  code_method: z.enum(['SMS', 'VOICE']),
  // A locale such as en_US; older pages show "en".
  language: text.pipe(z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'must be a locale such as en_US')),
});

const registerInput = z.object({
  messaging_product: whatsapp,
  pin: sixDigits('pin'),
  data_localization_region: z.enum(DATA_LOCALIZATION_REGIONS).optional(),
});

/** The minimal text send; `recipient_identity_key_hash` sits beside `to` when the identity check is on. */
const sendTextInput = z.object({
  messaging_product: whatsapp,
  recipient_type: z.literal('individual').optional(),
  to: nonEmptyText,
  type: z.literal('text', { error: 'the sandbox sends text messages only' }),
  text: jsonParam(z.object({ body: nonEmptyText, preview_url: boolish.optional() })),
  recipient_identity_key_hash: nonEmptyText.optional(),
});

const identityChange = jsonParam(
  z
    .object({ enable_identity_key_check: boolish.optional(), enabled: boolish.optional() })
    .refine((v) => v.enable_identity_key_check !== undefined || v.enabled !== undefined, {
      message: 'needs enable_identity_key_check',
    }),
);
const otherSetting = jsonParam(z.record(z.string(), z.unknown()));
const SETTING_KEYS = ['user_identity_change', 'calling', 'payload_encryption', 'storage_configuration'] as const;
const settingsInput = z
  .object({
    user_identity_change: identityChange.optional(),
    calling: otherSetting.optional(),
    payload_encryption: otherSetting.optional(),
    storage_configuration: otherSetting.optional(),
  })
  // Meta takes one setting per request (docs/meta-graph-api.md#settings).
  .refine((v) => SETTING_KEYS.filter((key) => v[key] !== undefined).length === 1, {
    message: `send exactly one of ${SETTING_KEYS.join(', ')}`,
    path: ['user_identity_change'],
  });

const smbAppDataInput = z.object({ messaging_product: whatsapp, sync_type: z.enum(SMB_SYNC_TYPES) });

/**
 * ⚠ Whether GET /settings returns user_identity_change is unconfirmed (docs/sandbox-assumptions.md#settings-read-back); the sandbox includes it so a caller
 * can read back what it set.
 */
function settingsOf(number: PhoneNumber): Record<string, unknown> {
  const region = number.dataLocalizationRegion;
  return {
    calling: { status: 'DISABLED', ...number.otherSettings.calling },
    payload_encryption: { status: 'DISABLED', ...number.otherSettings.payload_encryption },
    storage_configuration: region
      ? { status: 'IN_COUNTRY_STORAGE_ENABLED', data_localization_region: region }
      : { status: 'DEFAULT' },
    user_identity_change: { enable_identity_key_check: number.identityKeyCheck },
  };
}

export function registerNumberRoutes(app: FastifyInstance, core: SandboxCore): void {
  objectRoute(app, core, 'node', {
    method: 'GET',
    edge: '',
    input: fieldsInput,
    handle: ({ number, waba, input }) =>
      number
        ? projectNumber(core, number, parseFields(input.fields, NUMBER_NODE_DEFAULT_FIELDS))
        : projectWaba(core, waba, parseFields(input.fields, WABA_NODE_DEFAULT_FIELDS)),
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: '',
    input: numberUpdateInput,
    handle: ({ number, input }) => {
      if (input.pin !== undefined) setTwoStepPin(core, number, input.pin);
      if (input.new_display_name !== undefined) requestNameChange(core, number, input.new_display_name);
      return success;
    },
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'request_code',
    input: requestCodeInput,
    handle: ({ number, input }) => (requestCode(core, number, input.code_method), success),
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'verify_code',
    input: z.object({ code: sixDigits('code (without the hyphen)') }),
    handle: ({ number, input }) => (verifyCode(core, number, input.code), success),
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'register',
    scopes: MANAGEMENT_AND_MESSAGING,
    input: registerInput,
    handle: ({ number, input }) => {
      register(core, number, { pin: input.pin, dataLocalizationRegion: input.data_localization_region });
      return success;
    },
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'deregister',
    scopes: MANAGEMENT_AND_MESSAGING,
    input: z.object({}),
    handle: ({ number }) => (deregister(core, number), success),
  });

  numberRoute(app, core, {
    method: 'GET',
    edge: 'settings',
    input: z.object({}),
    handle: ({ number }) => settingsOf(number),
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'settings',
    input: settingsInput,
    handle: ({ number, input }) => {
      if (input.storage_configuration) {
        // docs/meta-graph-api.md#registration: local storage changes only through deregister, then register with data_localization_region.
        throw invalidParameter('storage_configuration: deregister, then register with data_localization_region');
      }
      const identity = input.user_identity_change;
      // ⚠ docs/sandbox-assumptions.md#settings-key: the guide's key is enable_identity_key_check, Meta's OpenAPI says enabled; both are accepted.
      if (identity) number.identityKeyCheck = identity.enable_identity_key_check ?? identity.enabled ?? false;
      if (input.calling) number.otherSettings.calling = input.calling;
      if (input.payload_encryption) number.otherSettings.payload_encryption = input.payload_encryption;
      return success;
    },
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'messages',
    scopes: MESSAGING,
    input: sendTextInput,
    handle: ({ number, input }) => sendText(core, number, input.to, input.recipient_identity_key_hash),
  });

  numberRoute(app, core, {
    method: 'POST',
    edge: 'smb_app_data',
    input: smbAppDataInput,
    handle: ({ number, input }) => requestSmbAppData(core, number, input.sync_type),
  });
}
