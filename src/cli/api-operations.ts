// The command line's API mode: journeys through numberflow's HTTP API with a bearer token (NUMBERFLOW_URL,
// NUMBERFLOW_TOKEN); the operator needs neither Temporal access nor payload keys. The API records the token's
// principal as who acts, so --by and --role are not sent (the operator is told, and nothing fails).
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseJourneyRequest } from '../domain/journey-input.js';
import { resumingEvents } from '../journeys/follow.js';
import { ApiAnswerError, ApiTransportError, NumberflowApi } from './api-client.js';
import { failedRow } from '../journeys/batch-rows.js';
import type { CheckedRow, RowProblems, RowResult } from '../journeys/index.js';
import { BATCH_MAX_ROWS } from '../http/api/schemas.js';
import { notSentWarning } from './context.js';
import { CliExit } from './failure.js';
import { problemLine } from '../http/error-body.js';
import type { Actor, JourneyOperations } from './operations.js';

/** The API's longest wait for a journey's answer (its waitSeconds). */
const API_MAX_WAIT_SECONDS = 60;
/** Rows per POST /v1/journeys:batch (it takes up to 1,000): small enough for the progress to move. */
const BATCH_CHUNK = 100;

export function apiOperations(url: URL, token: string, warn: (line: string) => void): JourneyOperations {
  const api = new NumberflowApi(url, token);
  const principalActs = (actor: Actor) => {
    const warning = notSentWarning(actor.given);
    if (warning) warn(warning);
  };

  return {
    async start(request, actor, idempotencyKey) {
      parseJourneyRequest(request); // the same refusals as direct mode, before anything is sent
      principalActs(actor);
      // Generated per invocation unless given: the API needs one, and a script's retry with its own key is safe.
      return api.start(request, idempotencyKey ?? randomUUID());
    },

    show: (e164) => api.journey(e164),

    async *list(filter) {
      let pageToken: string | undefined;
      do {
        const page = await api.list({ ...filter, pageSize: 100, pageToken });
        yield* page.items;
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
    },

    async refusedRows(rows) {
      const refused: RowProblems[] = [];
      for (let first = 0; first < rows.length; first += BATCH_MAX_ROWS) {
        const chunk = rows.slice(first, first + BATCH_MAX_ROWS);
        const answer = await api
          .batch(
            chunk.map((row) => row.fields),
            { checkOnly: true },
          )
          .catch((err: unknown) => {
            if (!checkOnlyUnknown(err)) throw err;
            // A service from before checkOnly: its rows are refused one by one as they start, as then.
            warn('numberflow: the service cannot check rows before starting them: a row it refuses fails alone');
            return null;
          });
        if (answer === null) return [];
        for (const { index, problems } of answer.results) {
          refused.push({ line: (chunk[index] as CheckedRow).line, problems });
        }
      }
      return refused;
    },

    async startRows(rows, actor, pace, onResult) {
      principalActs(actor);
      const results: RowResult[] = [];
      const began = Date.now();
      // The service starts a request's rows at up to 100 a second: a chunk holds no more than a second's rows at the
      // rate asked, so that each chunk's wait below keeps to it (a chunk of 100 at --rate 2 went out in a second).
      const chunkSize = Math.max(1, Math.min(BATCH_CHUNK, Math.floor(pace.ratePerSecond)));
      for (let first = 0; first < rows.length; first += chunkSize) {
        const due = began + (first * 1000) / pace.ratePerSecond; // the service paces each chunk itself as well
        if (due > Date.now()) await delay(due - Date.now());
        const chunk = rows.slice(first, first + chunkSize);
        // The rows were checked here; what the service still refuses (a portfolio outside the token's) is that
        // row's failure, not the others'.
        let answer: Awaited<ReturnType<typeof api.batch>>;
        try {
          answer = await api.batch(
            chunk.map((row) => row.fields),
            { skipInvalid: true },
          );
        } catch (err) {
          const refused = err instanceof ApiAnswerError && err.status < 500;
          const neverSent = err instanceof ApiTransportError && err.neverSent;
          // The first request refused (a token refused, say) or never sent (nothing listening): nothing started, and
          // the command's failure says why.
          if (first === 0 && (refused || neverSent)) throw err;
          // The rows answered so far stand and are reported. This request's rows: refused (the service answered, a
          // token revoked say: none started), or not answered (the service gone: some may have); the rest not sent.
          const why = err instanceof Error ? err.message : String(err);
          const thisRequest = refused
            ? `refused (HTTP ${(err as ApiAnswerError).status}, none of its rows started): ${why}`
            : neverSent
              ? `not sent: ${why}`
              : `not answered: ${why}`;
          for (const [i, row] of rows.slice(first).entries()) {
            const error = `${i < chunk.length ? thisRequest : `not sent: ${why}`}; the same file again starts this row once at most`;
            const result = failedRow(row, error);
            results.push(result);
            onResult(result);
          }
          break;
        }
        for (const { index, outcome, problems, ...rest } of answer.results) {
          const row = chunk[index] as CheckedRow;
          const result: RowResult = {
            ...rest,
            line: row.line,
            e164: rest.e164 ?? row.input.phoneNumber.e164,
            outcome: outcome === 'invalid' ? 'failed' : outcome,
            error: outcome === 'invalid' ? problems.join('; ') : rest.error,
          };
          results.push(result);
          onResult(result);
        }
      }
      return results;
    },

    summary: (filter) => api.summary(filter),

    portfolio: (portfolioId) => api.portfolio(portfolioId),

    setCap(portfolioId, change, actor) {
      principalActs(actor);
      return api.setCap(portfolioId, change);
    },

    reconcile(portfolioId, reason, actor) {
      principalActs(actor);
      return api.reconcile(portfolioId, { reason });
    },

    act(e164, action, actor, waitSeconds) {
      principalActs(actor);
      if (waitSeconds > API_MAX_WAIT_SECONDS) {
        warn(`numberflow: the API waits at most ${API_MAX_WAIT_SECONDS} s for the journey's answer`);
      }
      const wait = Math.min(API_MAX_WAIT_SECONDS, Math.max(1, Math.ceil(waitSeconds)));
      const { kind, ...body } = action;
      // The service checks a value before the journey does: worded as the journey's refusal, as in direct mode.
      return api.act(e164, kind, body, wait).catch((err: unknown) => {
        const problems = err instanceof ApiAnswerError && err.status === 400 ? err.problems : [];
        if (problems.length === 0 || problems.some((p) => p.in !== 'body')) throw err;
        throw new CliExit(1, `refused: ${problems.map(problemLine).join('; ')}`);
      });
    },

    // A service restarted while a journey is watched: the stream is opened again, and only what changed is said.
    watch: (e164, signal) =>
      resumingEvents(() => api.events(e164, signal), {
        signal,
        resumable: (err) => err instanceof ApiTransportError,
        onLost: (err) =>
          warn(`numberflow: ${(err as Error).message}; following it again as soon as numberflow answers`),
      }),

    send(e164, message, actor) {
      principalActs(actor);
      return api.send(e164, message);
    },

    untrusted: (e164, page) => api.untrusted(e164, page),

    confirmIdentity(e164, waId, confirmation, actor) {
      principalActs(actor);
      return api.confirmIdentity(e164, waId, confirmation);
    },

    close: () => api.close(),
  };
}

/** The service's refusal of checkOnly as no field of its batch body (a service from before it). */
function checkOnlyUnknown(err: unknown): boolean {
  return err instanceof ApiAnswerError && err.status === 400 && err.problems.some((p) => p.field === 'checkOnly');
}
