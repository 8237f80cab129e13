// The sandbox's side of a contract test: its admin (Meta's side: outbox, clock, faults, deletions) and shortcuts that
// bring a number to a given stage through the client under test, so each test starts where its subject begins.
import {
  staticTokenProvider,
  type CodeMethod,
  type GraphClient,
  type GraphClientOptions,
  type NumberRef,
} from '../../src/graph/index.js';
import type { Sandbox, SandboxAdmin } from '../../src/sandbox/index.js';

/** The PIN of the numbers the controls register. */
export const REGISTER_PIN = '482913';

export interface TestNumber extends NumberRef {
  e164: string;
}

export interface TestAccount {
  portfolioId: string;
  wabaId: string;
  token: string;
  /** A client holding the account's own token. */
  client: GraphClient;
}

export interface SandboxControls {
  url: string;
  admin: SandboxAdmin;
  portfolioId: string;
  /** A new line, never added to any WABA of this sandbox. */
  freshE164(): string;
  /** POST /{waba}/phone_numbers through the client: a PENDING, unverified number. */
  addNumber(options?: { e164?: string; account?: TestAccount; verifiedName?: string }): Promise<TestNumber>;
  /** request_code through the client, then the code the phone received (kept as a secret). */
  sendCode(number: NumberRef, codeMethod?: CodeMethod): Promise<string>;
  /** sendCode by SMS, then verify_code with it: returns the code. */
  verify(number: NumberRef): Promise<string>;
  verifiedNumber(): Promise<TestNumber>;
  registeredNumber(): Promise<TestNumber>;
  /** A portfolio with its own cap, a WABA in it, and a token for that WABA only. */
  account(options?: { maxPhoneNumbers?: number }): TestAccount;
}

interface ControlsInput {
  sandbox: Sandbox;
  portfolioId: string;
  wabaId: string;
  client: GraphClient;
  secrets: Set<string>;
  newClient: (options: Partial<GraphClientOptions>) => GraphClient;
}

export function sandboxControls(input: ControlsInput): SandboxControls {
  const { sandbox, client, secrets } = input;
  const { admin } = sandbox;
  let lines = 0;
  secrets.add(REGISTER_PIN);

  const freshE164 = (): string => `+1415555${String(lines++).padStart(4, '0')}`;

  const addNumber: SandboxControls['addNumber'] = async (options = {}) => {
    const e164 = options.e164 ?? freshE164();
    const wabaId = options.account?.wabaId ?? input.wabaId;
    const { id } = await (options.account?.client ?? client).addPhoneNumber(wabaId, {
      cc: '1',
      phoneNumber: e164.slice(2),
      verifiedName: options.verifiedName ?? 'Acme Support',
    });
    return { wabaId, phoneNumberId: id, e164 };
  };

  const sendCode = async (number: NumberRef, codeMethod: CodeMethod = 'SMS'): Promise<string> => {
    await client.requestCode(number, { codeMethod, language: 'en_US' });
    const code = admin.latestCode(number.phoneNumberId);
    if (!code) throw new Error(`the sandbox delivered no code to ${number.phoneNumberId}`);
    secrets.add(code);
    return code;
  };

  const verify = async (number: NumberRef): Promise<string> => {
    const code = await sendCode(number);
    await client.verifyCode(number, code);
    return code;
  };

  const verifiedNumber = async (): Promise<TestNumber> => {
    const number = await addNumber();
    await verify(number);
    return number;
  };

  return {
    url: sandbox.url,
    admin,
    portfolioId: input.portfolioId,
    freshE164,
    addNumber,
    sendCode,
    verify,
    verifiedNumber,
    registeredNumber: async () => {
      const number = await verifiedNumber();
      await client.register(number, { pin: REGISTER_PIN });
      return number;
    },
    account: (options = {}) => {
      const { portfolioId } = admin.createPortfolio({ maxPhoneNumbers: options.maxPhoneNumbers ?? 2 });
      const { wabaId } = admin.createWaba({ portfolioId });
      const token = admin.issueToken({ wabaIds: [wabaId] });
      secrets.add(token);
      return { portfolioId, wabaId, token, client: input.newClient({ tokens: staticTokenProvider(token) }) };
    },
  };
}
