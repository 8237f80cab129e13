// The operator console in tests: the HTTP app with a token file of its own, and a small cookie-keeping client over
// Fastify's inject that signs in, reads pages and posts their forms with the CSRF token the page carries.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PrincipalDirectory } from '../../src/http/auth/directory.js';
import type { Role } from '../../src/http/auth/principals.js';
import type { HttpAppOptions } from '../../src/http/app.js';
import { addPrincipal } from '../../src/http/auth/token-file.js';
import { type Harness } from './harness.js';
import { harnessHttpApp } from './http-app.js';

export const CONSOLE_SECRET = 'a console secret of the tests, 32 characters or more';

export interface TestPrincipal {
  name: string;
  roles: Role[];
  portfolios?: string[];
}

export interface ConsoleApp {
  app: FastifyInstance;
  tokenFile: string;
  /** The token of each principal, by name. */
  tokens: Record<string, string>;
}

/**
 * The HTTP app on the bench's Temporal client and task queue, with a temp token file holding `principals`; `options`
 * adds what a test needs (the identity store).
 */
export async function consoleApp(
  bench: Harness,
  principals: TestPrincipal[],
  options: Pick<HttpAppOptions, 'identities' | 'codec'> & Partial<Pick<HttpAppOptions, 'logger'>> = {},
): Promise<ConsoleApp> {
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'numberflow-console-')), 'api-tokens.json');
  const tokens: Record<string, string> = {};
  for (const principal of principals) tokens[principal.name] = addPrincipal(tokenFile, principal);
  const app = await harnessHttpApp(bench, {
    principals: PrincipalDirectory.fromFile(tokenFile),
    events: { pollMs: 200, keepAliveMs: 5_000 },
    console: { secret: CONSOLE_SECRET },
    ...options,
  });
  return { app, tokenFile, tokens };
}

/** Another replica of `of`'s service: the same token file and console secret (a session of one is one of the other). */
export function consoleReplica(bench: Harness, of: ConsoleApp): Promise<FastifyInstance> {
  return harnessHttpApp(bench, {
    principals: PrincipalDirectory.fromFile(of.tokenFile),
    events: { pollMs: 200, keepAliveMs: 5_000 },
    console: { secret: CONSOLE_SECRET },
  });
}

/** A browser's part the console relies on: cookies kept between requests, forms posted with their hidden fields. */
export class ConsoleClient {
  private cookies = new Map<string, string>();

  constructor(private readonly app: FastifyInstance) {}

  /** The session cookie as the browser holds it. */
  get session(): string | undefined {
    return this.cookies.get('numberflow_session');
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader } }));
  }

  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { cookie: this.cookieHeader, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      }),
    );
  }

  /** Opens the sign-in page and posts `token` with the form's CSRF token. */
  async signIn(token: string): Promise<LightMyRequestResponse> {
    const form = await this.get('/sign-in');
    return this.post('/sign-in', { csrf: csrfOf(form.body, '/sign-in'), token });
  }

  /** Posts the form whose action is `action` on the page at `pageUrl`, with its hidden fields (CSRF, submission). */
  async submit(pageUrl: string, action: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    return this.post(action, { ...hiddenFieldsOf(page.body, action), ...fields });
  }

  private keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of response.cookies) {
      if (cookie.maxAge === 0 || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }
}

/** A browser signed in on the console with `token` (the sign-in answered 303). */
export async function signedInClient(app: FastifyInstance, token: string): Promise<ConsoleClient> {
  const client = new ConsoleClient(app);
  const answer = await client.signIn(token);
  if (answer.statusCode !== 303) throw new Error(`sign-in answered ${answer.statusCode}`);
  return client;
}

/** The CSRF token of the form posting to `action` on a page. */
export function csrfOf(page: string, action: string): string {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`action="${escaped}"[^>]*>\\s*<input type="hidden" name="csrf" value="([^"]+)"`).exec(page);
  if (!match?.[1]) throw new Error(`no form posting to ${action} on the page`);
  return match[1];
}

/** The submission id of the form posting to `action` on a page, if it carries one (the PIN's read-back does not). */
export function submissionOf(page: string, action: string): string | undefined {
  return hiddenOf(page, action, 'submission');
}

/** A hidden field's value in the form posting to `action`. */
function hiddenOf(page: string, action: string, name: string): string | undefined {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const form = new RegExp(`action="${escaped}"[^>]*>([\\s\\S]*?)</form>`).exec(page)?.[1] ?? '';
  return new RegExp(`<input type="hidden" name="${name}" value="([^"]+)"`).exec(form)?.[1];
}

/** The hidden fields a browser posts with the form posting to `action`: its CSRF token, submission id, journey, since. */
export function hiddenFieldsOf(
  page: string,
  action: string,
): { csrf: string; submission?: string; journey?: string; since?: string } {
  const named = ['submission', 'journey', 'since'].map((name) => [name, hiddenOf(page, action, name)] as const);
  return {
    csrf: csrfOf(page, action),
    ...Object.fromEntries(named.filter(([, value]) => value !== undefined)),
  };
}

/** The forms of a page that post somewhere (the action of each). */
export function postForms(page: string): string[] {
  return [...page.matchAll(/<form\s[^>]*method="post"\s+action="([^"]+)"/g)].map((m) => m[1] as string);
}

/** The opening tag of the element with `id` on a page, its whitespace collapsed (the templates are formatted). */
export function tagOf(page: string, id: string): string {
  const match = new RegExp(`<[a-z]+\\s[^>]*\\bid="${id}"[^>]*>`).exec(page);
  if (!match) throw new Error(`no element #${id} on the page`);
  return match[0].replace(/\s+/g, ' ');
}
