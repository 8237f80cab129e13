import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Typed search attributes kept current by the journey, so that "all journeys awaiting OTP in portfolio X"
// is one visibility query: NumberStage = 'AWAITING_OTP' AND PortfolioId = 'X'.
export const NumberStage = defineSearchAttributeKey('NumberStage', SearchAttributeType.KEYWORD);
export const WabaId = defineSearchAttributeKey('WabaId', SearchAttributeType.KEYWORD);
export const PortfolioId = defineSearchAttributeKey('PortfolioId', SearchAttributeType.KEYWORD);
export const PhoneNumberId = defineSearchAttributeKey('PhoneNumberId', SearchAttributeType.KEYWORD);
export const PhoneNumberE164 = defineSearchAttributeKey('PhoneNumberE164', SearchAttributeType.KEYWORD);
/** The Idempotency-Key a journey was started under through the API: a retried start finds its journey. */
export const IdempotencyKey = defineSearchAttributeKey('IdempotencyKey', SearchAttributeType.KEYWORD);

/**
 * A person's wait that no stage names: 'token' (a new Meta token for the WABA), 'deletion' (an admin's deletion in
 * WhatsApp Manager), 'removal' (a removal Meta blocked, to be requested again once resolved); '' once it is over.
 * WaitingSince: when it began. The summary lists them with the AWAITING_ stages.
 */
export const WaitingOn = defineSearchAttributeKey('WaitingOn', SearchAttributeType.KEYWORD);
export const WaitingSince = defineSearchAttributeKey('WaitingSince', SearchAttributeType.DATETIME);
export const personWaits = ['token', 'deletion', 'removal'] as const;
export type PersonWait = (typeof personWaits)[number];

/** Every custom attribute the project registers on a namespace. */
export const customSearchAttributes = [
  NumberStage,
  WabaId,
  PortfolioId,
  PhoneNumberId,
  PhoneNumberE164,
  IdempotencyKey,
  WaitingOn,
  WaitingSince,
];
