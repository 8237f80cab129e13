// One activity per Graph call the journey makes. Each is idempotent or guarded: a retried attempt first
// checks what Meta already shows, so a retry never adds a number twice, verifies twice or registers twice.
import { Context } from '@temporalio/activity';
import type { NumberRef, NumberSnapshot, PresentNumber, SmbSyncType } from '../domain/number.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { CodeMethod } from '../domain/journey.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError, GraphTransportError } from '../graph/errors.js';
import { graphCall, toActivityFailure } from './failures.js';

const snapshotFields = [
  'status',
  'code_verification_status',
  'name_status',
  'new_name_status',
  'verified_name',
  'new_display_name',
  'is_on_biz_app',
  'platform_type',
] as const;

function isRetry(): boolean {
  return Context.current().info.attempt > 1;
}

export function createGraphActivities({ graph }: { graph: GraphClient }) {
  async function readNumber(ref: NumberRef): Promise<NumberSnapshot> {
    try {
      const fields = await graph.getPhoneNumber(ref, snapshotFields);
      return {
        gone: false,
        status: fields.status ?? null,
        codeVerificationStatus: fields.code_verification_status ?? null,
        nameStatus: fields.name_status ?? null,
        newNameStatus: fields.new_name_status ?? null,
        verifiedName: fields.verified_name ?? null,
        newDisplayName: fields.new_display_name ?? null,
        isOnBizApp: fields.is_on_biz_app ?? false,
        platformType: fields.platform_type ?? null,
      };
    } catch (err) {
      // Unknown object (100/33) or "business number deleted" (33): the number is no longer at Meta.
      if (err instanceof GraphError && ((err.code === 100 && err.subcode === 33) || err.code === 33)) {
        return { gone: true };
      }
      throw toActivityFailure(err);
    }
  }

  async function statusOf(ref: NumberRef): Promise<string | null> {
    const snapshot = await readNumber(ref);
    return snapshot.gone ? null : snapshot.status;
  }

  return {
    readNumber,

    async addPhoneNumber(request: {
      wabaId: string;
      phoneNumber: PhoneNumber;
      verifiedName: string;
    }): Promise<{ phoneNumberId: string; alreadyAdded: boolean }> {
      const { wabaId, phoneNumber, verifiedName } = request;
      // A retried add whose first attempt went through (or a number added by hand) is found, not added twice.
      const existing = await graphCall(() => findOnWaba(graph, wabaId, phoneNumber.e164));
      if (existing) return { phoneNumberId: existing, alreadyAdded: true };
      const { id } = await graphCall(() =>
        graph.addPhoneNumber(wabaId, {
          cc: phoneNumber.countryCallingCode,
          phoneNumber: phoneNumber.nationalNumber,
          verifiedName,
        }),
      );
      return { phoneNumberId: id, alreadyAdded: false };
    },

    /**
     * Asks Meta to send a code. Meta cannot tell whether it sent one, so a call that may have reached it (an answer
     * lost, or a transient Meta error after which a code may still go out) is not retried — that could send a
     * second code and void the first — and reports `certain: false`. Only a call that never left is retried.
     */
    async requestCode(
      ref: NumberRef,
      request: { method: CodeMethod; language: string },
    ): Promise<{ certain: boolean }> {
      try {
        await graph.requestCode(ref, { codeMethod: request.method, language: request.language });
        return { certain: true };
      } catch (err) {
        if (err instanceof GraphTransportError && err.requestMayHaveReachedMeta) return { certain: false };
        if (err instanceof GraphError && err.errorClass === 'transient') return { certain: false };
        throw toActivityFailure(err);
      }
    },

    async verifyCode(ref: NumberRef, code: string): Promise<void> {
      if (isRetry()) {
        const snapshot = await readNumber(ref);
        if (!snapshot.gone && snapshot.codeVerificationStatus === 'VERIFIED') return;
      }
      await graphCall(() => graph.verifyCode(ref, code));
    },

    /**
     * Registers with the PIN and answers the status Meta shows afterwards. register counts toward 10 calls per
     * 72 h, so a retry first looks whether the last attempt took: a number already registered on the Cloud API
     * (PENDING or CONNECTED there) — or, when the call applies an approved name, the name in effect.
     */
    async registerNumber(
      ref: NumberRef,
      request: { pin: string; applyingName?: string },
    ): Promise<{ status: string | null }> {
      if (isRetry()) {
        const snapshot = await readNumber(ref);
        if (!snapshot.gone && tookEffect(snapshot, request.applyingName)) return { status: snapshot.status };
      }
      await graphCall(() => graph.register(ref, { pin: request.pin }));
      return { status: await statusOf(ref) };
    },

    async deregisterNumber(ref: NumberRef): Promise<void> {
      if (isRetry() && (await statusOf(ref)) === 'DISCONNECTED') return;
      await graphCall(() => graph.deregister(ref));
    },

    async requestDisplayNameChange(ref: NumberRef, displayName: string): Promise<void> {
      await graphCall(() => graph.requestDisplayNameChange(ref, displayName));
    },

    async enableIdentityCheck(ref: NumberRef): Promise<void> {
      await graphCall(() => graph.setIdentityCheck(ref, true));
    },

    async syncSmbAppData(ref: NumberRef, syncType: SmbSyncType): Promise<{ requestId: string }> {
      return graphCall(() => graph.syncSmbAppData(ref, syncType));
    },
  };
}

function tookEffect(number: PresentNumber, applyingName: string | undefined): boolean {
  if (applyingName !== undefined) return number.verifiedName === applyingName;
  const onCloudApi = number.platformType === 'CLOUD_API';
  return number.status === 'CONNECTED' || (number.status === 'PENDING' && onCloudApi);
}

/** The phone_number_id of a number already on the WABA, matched by its digits. */
async function findOnWaba(graph: GraphClient, wabaId: string, e164: string): Promise<string | null> {
  const digits = e164.replace(/\D/g, '');
  for await (const number of graph.allPhoneNumbers(wabaId, ['display_phone_number'])) {
    if (number.display_phone_number?.replace(/\D/g, '') === digits) return number.id;
  }
  return null;
}

/** The numbers of a WABA that Meta shows CONNECTED, in E.164: they already hold slots of the portfolio's cap. */
export async function registeredNumbers(graph: GraphClient, wabaId: string): Promise<string[]> {
  const registered: string[] = [];
  for await (const number of graph.allPhoneNumbers(wabaId, ['display_phone_number', 'status'])) {
    if (number.status === 'CONNECTED' && number.display_phone_number) {
      registered.push(`+${number.display_phone_number.replace(/\D/g, '')}`);
    }
  }
  return registered;
}
