// A new token for a WABA — from a new Embedded Signup or set by hand — is stored, and every running journey of the
// WABA is told (signal tokenRenewed): one waiting because Meta refused the old token calls Meta again.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { GRAPH_ID } from '../domain/journey-input.js';
import { tokenRenewedSignal } from '../domain/messages.js';
import type { GraphClient } from '../graph/client.js';
import { tokenCoversWaba } from '../graph/signup.js';
import type { TokenStore } from '../stores/token-store.js';
import { IntakeError } from './errors.js';
import { listedRuns } from '../temporal/listed-runs.js';
import { searchAttributesUnknown } from '../temporal/unanswered.js';

/** Signals the WABA's running journeys; answers how many were told. */
export async function announceNewToken(client: Client, wabaId: string, actor: string): Promise<number> {
  if (!GRAPH_ID.test(wabaId)) throw new IntakeError('invalid-request', 'wabaId: must be a numeric Graph id');
  const query = `WorkflowType = 'numberJourney' AND ExecutionStatus = 'Running' AND WabaId = '${wabaId}'`;
  let told = 0;
  try {
    for await (const execution of listedRuns(client, query)) {
      try {
        await client.workflow
          .getHandle(execution.workflowId, execution.runId)
          .signal(tokenRenewedSignal, { wabaId, actor });
        told += 1;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err; // it ended meanwhile: nothing to renew
      }
    }
  } catch (err) {
    // A namespace no worker or service has started on yet has not numberflow's search attributes, and so no journey.
    if (!searchAttributesUnknown(err)) throw err;
  }
  return told;
}

export interface TokenSetDeps {
  /** With the app's credentials: debug_token checks the token. */
  graph: GraphClient;
  tokens: TokenStore;
  temporal: Client;
}

/** Longer than any Meta access token (a few hundred characters): something else was piped in. */
const TOKEN_MAX = 4096;

/**
 * `numberflow token set`: a token for the WABA, given by a person. It must be valid and grant
 * whatsapp_business_management on the WABA (Meta's debug_token says so), or it is refused and nothing changes.
 */
export async function setToken(
  deps: TokenSetDeps,
  input: { wabaId: string; token: string; by: string },
): Promise<{ journeysTold: number }> {
  const token = input.token.trim();
  if (!GRAPH_ID.test(input.wabaId)) throw new IntakeError('invalid-request', 'wabaId: must be a numeric Graph id');
  if (token === '') throw new IntakeError('invalid-request', 'no token was given on standard input');
  if (token.length > TOKEN_MAX || /\s/.test(token)) {
    throw new IntakeError(
      'invalid-request',
      `standard input holds ${token.length} characters${/\s/.test(token) ? ' with spaces or lines between them' : ''}: a Meta access token is one word of a few hundred characters — give only the token`,
    );
  }
  const checked = await deps.graph.debugToken(token);
  if (!tokenCoversWaba(checked, input.wabaId)) {
    throw new IntakeError(
      'token-refused',
      checked.is_valid
        ? `the token does not grant whatsapp_business_management on WABA ${input.wabaId}: issue one for that WABA (or finish Embedded Signup for it)`
        : `Meta says the token is not valid (${checked.error?.message ?? 'no reason given'}): issue a new one, or finish Embedded Signup again`,
    );
  }
  await deps.tokens.put(input.wabaId, token, { source: 'manual', by: input.by });
  return { journeysTold: await announceNewToken(deps.temporal, input.wabaId, input.by) };
}
