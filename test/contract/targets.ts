// Where the contract suite runs: the Graph sandbox (always) and Meta's real Graph API (when credentials are in the
// environment). A target says what it can do beyond the Graph calls themselves, so a test that needs the sandbox's
// test hooks is skipped on Meta with that reason instead of failing there.
import { z } from 'zod';
import { GraphClient, staticTokenProvider, type GraphClientOptions, type NumberRef } from '../../src/graph/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { sandboxControls, type SandboxControls } from './sandbox-controls.js';

export type Capability = 'writes' | 'own-numbers' | 'otp-outbox' | 'faults' | 'clock' | 'meta-side' | 'app-credentials';

/** Why a target without the capability skips the test: the words that end up in the test report. */
export const CAPABILITY_REASONS: Record<Capability, string> = {
  writes: 'writes to the real WABA (set GRAPH_CONTRACT_ALLOW_WRITES=1)',
  'own-numbers': 'throwaway portfolios and numbers it may add, register and deregister (sandbox only)',
  'otp-outbox': "the sandbox's OTP outbox (a real code goes to a real phone)",
  faults: 'fault injection (sandbox only)',
  clock: 'a clock the test can move (sandbox only)',
  'meta-side':
    "WhatsApp Manager's side: deleting numbers, presetting PINs, coexistence links, scoped tokens, signup codes (sandbox only)",
  'app-credentials': 'GRAPH_CONTRACT_APP_ID and GRAPH_CONTRACT_APP_SECRET',
};

export interface ContractTarget {
  readonly name: string;
  /** The client under test, with the target's token, app id and app secret. */
  readonly client: GraphClient;
  readonly wabaId: string;
  /** The token the client uses (debug_token inspects it). */
  readonly token: string;
  readonly appId?: string;
  /** A registered (CONNECTED) number the read-only tests read; undefined when the Meta WABA has none. */
  readonly phoneNumberId?: string;
  /** Tokens, app secrets, PINs, OTPs and signup codes this target used: none may appear in any error. */
  readonly secrets: Set<string>;
  /** The sandbox's test hooks; only targets with sandbox capabilities have them. */
  readonly sandbox?: SandboxControls;
  /** Another client on the same Graph (e.g. another token or a short timeout); closed with the target. */
  clientWith(options: Partial<GraphClientOptions>): GraphClient;
  close(): Promise<void>;
}

/** The registered number read-only tests read; a Meta WABA without numbers needs GRAPH_CONTRACT_PHONE_NUMBER_ID. */
export function readNumber(target: ContractTarget): NumberRef {
  if (!target.phoneNumberId) {
    throw new Error(`${target.name}: the WABA has no phone number; set GRAPH_CONTRACT_PHONE_NUMBER_ID`);
  }
  return { wabaId: target.wabaId, phoneNumberId: target.phoneNumberId };
}

/** The sandbox's hooks, for tests that declared a sandbox capability (so never run on Meta). */
export function sandboxOf(target: ContractTarget): SandboxControls {
  if (!target.sandbox) throw new Error(`${target.name} has no sandbox hooks: the test must declare what it needs`);
  return target.sandbox;
}

export interface TargetDefinition {
  readonly kind: 'sandbox' | 'meta';
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  start(): Promise<ContractTarget>;
}

const SANDBOX_APP_ID = '1234567890';
const SANDBOX_APP_SECRET = 'contract-app-secret-5e1f';
const SANDBOX_SEED = 20_240_611;

function clientFactory(base: GraphClientOptions): {
  create: (options?: Partial<GraphClientOptions>) => GraphClient;
  closeAll: () => Promise<void>;
} {
  const clients: GraphClient[] = [];
  return {
    create: (options = {}) => {
      const client = new GraphClient({ ...base, ...options });
      clients.push(client);
      return client;
    },
    closeAll: async () => {
      await Promise.all(clients.map((client) => client.close()));
    },
  };
}

/** A sandbox on 127.0.0.1, port 0, fixed seed, with a portfolio, a WABA, its token and one registered number. */
export function sandboxTarget(): TargetDefinition {
  return {
    kind: 'sandbox',
    name: 'the Graph sandbox',
    capabilities: new Set(Object.keys(CAPABILITY_REASONS) as Capability[]),
    async start() {
      const sandbox = await startSandbox({
        host: '127.0.0.1',
        port: 0,
        seed: SANDBOX_SEED,
        appId: SANDBOX_APP_ID,
        appSecret: SANDBOX_APP_SECRET,
      });
      // Room for the paging tests; the cap itself is tested on a portfolio of its own.
      const { portfolioId } = sandbox.admin.createPortfolio({ maxPhoneNumbers: 100 });
      const { wabaId } = sandbox.admin.createWaba({ portfolioId });
      const token = sandbox.admin.issueToken({ wabaIds: [wabaId] });
      const secrets = new Set([token, SANDBOX_APP_SECRET]);
      const clients = clientFactory({
        baseUrl: sandbox.url,
        tokens: staticTokenProvider(token),
        appId: SANDBOX_APP_ID,
        appSecret: SANDBOX_APP_SECRET,
      });
      const client = clients.create();
      const controls = sandboxControls({ sandbox, portfolioId, wabaId, client, secrets, newClient: clients.create });
      const main: NumberRef = await controls.registeredNumber();
      return {
        name: 'the Graph sandbox',
        client,
        wabaId,
        token,
        appId: SANDBOX_APP_ID,
        phoneNumberId: main.phoneNumberId,
        secrets,
        sandbox: controls,
        clientWith: clients.create,
        close: async () => {
          await clients.closeAll();
          await sandbox.close();
        },
      };
    },
  };
}

const graphId = z.string().regex(/^\d{1,32}$/, 'must be a numeric Graph id');
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const metaEnvSchema = z
  .object({
    GRAPH_CONTRACT_TOKEN: z.string().trim().min(1, 'is empty'),
    GRAPH_CONTRACT_WABA_ID: graphId,
    GRAPH_CONTRACT_PHONE_NUMBER_ID: optional(graphId),
    GRAPH_CONTRACT_APP_ID: optional(graphId),
    GRAPH_CONTRACT_APP_SECRET: optional(z.string().trim().min(1)),
    GRAPH_CONTRACT_API_VERSION: optional(z.string().regex(/^v\d+\.\d+$/, 'must look like v23.0')),
    // Default https://graph.facebook.com; another URL rehearses the Meta run, e.g. against `npm run sandbox`.
    GRAPH_CONTRACT_BASE_URL: optional(z.url()),
    GRAPH_CONTRACT_ALLOW_WRITES: optional(z.enum(['0', '1'])),
  })
  .refine((env) => (env.GRAPH_CONTRACT_APP_ID === undefined) === (env.GRAPH_CONTRACT_APP_SECRET === undefined), {
    message: 'set GRAPH_CONTRACT_APP_ID and GRAPH_CONTRACT_APP_SECRET together',
    path: ['GRAPH_CONTRACT_APP_SECRET'],
  });

/** What to set to run the suite against Meta: the title of the skipped Meta suites. */
export const META_SKIP_REASON =
  'skipped: set GRAPH_CONTRACT_TOKEN and GRAPH_CONTRACT_WABA_ID to run against the real Graph API ' +
  '(optional: GRAPH_CONTRACT_PHONE_NUMBER_ID, GRAPH_CONTRACT_APP_ID with GRAPH_CONTRACT_APP_SECRET, ' +
  'GRAPH_CONTRACT_API_VERSION; GRAPH_CONTRACT_ALLOW_WRITES=1 allows writes)';

export const META_NAME = "Meta's Graph API";

/** What Meta offers with these credentials; it never has the sandbox's hooks. */
export function metaCapabilities(options: { appCredentials: boolean; writes: boolean }): ReadonlySet<Capability> {
  const capabilities = new Set<Capability>();
  if (options.appCredentials) capabilities.add('app-credentials');
  if (options.writes) capabilities.add('writes');
  return capabilities;
}

/**
 * The real Graph API, or null when GRAPH_CONTRACT_TOKEN and GRAPH_CONTRACT_WABA_ID are both unset. Half-set or
 * malformed variables throw: a contract run that silently skips Meta would prove nothing.
 */
export function metaTarget(env: NodeJS.ProcessEnv = process.env): TargetDefinition | null {
  if (!env.GRAPH_CONTRACT_TOKEN && !env.GRAPH_CONTRACT_WABA_ID) return null;
  const parsed = metaEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`the Meta contract target is misconfigured: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const appId = config.GRAPH_CONTRACT_APP_ID;
  const appSecret = config.GRAPH_CONTRACT_APP_SECRET;
  return {
    kind: 'meta',
    name: META_NAME,
    capabilities: metaCapabilities({
      appCredentials: appId !== undefined,
      writes: config.GRAPH_CONTRACT_ALLOW_WRITES === '1',
    }),
    async start() {
      const token = config.GRAPH_CONTRACT_TOKEN;
      const wabaId = config.GRAPH_CONTRACT_WABA_ID;
      const clients = clientFactory({
        tokens: staticTokenProvider(token),
        baseUrl: config.GRAPH_CONTRACT_BASE_URL,
        apiVersion: config.GRAPH_CONTRACT_API_VERSION,
        appId,
        appSecret,
      });
      const client = clients.create();
      const phoneNumberId =
        config.GRAPH_CONTRACT_PHONE_NUMBER_ID ??
        (await client.listPhoneNumbers(wabaId, { fields: ['id'], limit: 1 })).data[0]?.id;
      return {
        name: META_NAME,
        client,
        wabaId,
        token,
        appId,
        phoneNumberId,
        secrets: new Set([token, ...(appSecret ? [appSecret] : [])]),
        clientWith: clients.create,
        close: clients.closeAll,
      };
    },
  };
}
