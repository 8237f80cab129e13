// What a worker and a service say of a cluster namespace at their start (dev server): the search attributes they
// add, those registered by hand with another type, and a retention too short for the audit. They change neither
// the retention nor an attribute's type: those are the cluster operators'.
import proto from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time.js';
import { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { announceNewToken } from '../../src/intake/token-renewal.js';
import { customSearchAttributes } from '../../src/domain/search-attributes.js';
import { warnOfShortRetention } from '../../src/temporal/retention.js';
import { registerSearchAttributes } from '../../src/temporal/search-attributes.js';
import { capturedLogger } from '../http/support.js';
import { useBench } from '../support/bench.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const DAY_MS = 24 * 60 * 60 * 1000;

describe('a cluster namespace as a worker and a service find it (dev server)', () => {
  const t = useBench('dev');

  /** A namespace of its own, as `temporal operator namespace create --retention` makes one. */
  async function namespaceKeeping(name: string, retentionMs: number): Promise<string> {
    const namespace = `${name}-${Date.now()}`;
    const { workflowService } = t.env.client.connection;
    await workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionMs) });
    for (let i = 0; i < 100; i++) {
      if (
        await workflowService.describeNamespace({ namespace }).then(
          () => true,
          () => false,
        )
      )
        return namespace;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`namespace ${namespace} never came`);
  }

  it('stores a token on a namespace no worker or service started on yet (no search attributes, so no journey to tell)', async () => {
    const namespace = await namespaceKeeping('no-attributes', 30 * DAY_MS);
    const client = new Client({ connection: t.env.client.connection, namespace });
    expect(await announceNewToken(client, '1234567890', 'admin@acme')).toBe(0);
  });

  it('says a retention under 30 days, naming what goes with an ended run and the command that sets it', async () => {
    const brief = await namespaceKeeping('kept-3-days', 3 * DAY_MS);
    const long = await namespaceKeeping('kept-a-year', 365 * DAY_MS);
    const { logger, lines } = capturedLogger();
    await warnOfShortRetention(t.env.client.connection, brief, logger);
    await warnOfShortRetention(t.env.client.connection, long, logger);
    await warnOfShortRetention(t.env.client.connection, 'no-such-namespace', logger); // not said: nothing to read
    expect(lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual([
      `namespace "${brief}" keeps an ended run for 3 days: a journey's audit trail, the two-step PIN a later journey of the number reads back and a retried start's answer go with it then; set the retention your audit requires (temporal operator namespace update --namespace ${brief} --retention 3650d; on Temporal Cloud, its UI or tcld)`,
    ]);
  });

  it('adds the missing search attributes and names one registered by hand with another type', async () => {
    const namespace = await namespaceKeeping('typed-by-hand', 365 * DAY_MS);
    const [first] = customSearchAttributes;
    if (!first) throw new Error('numberflow has search attributes');
    // Added by hand as Text (split into words), where numberflow writes a Keyword (or whatever its type is not).
    const wrong =
      first.type === 'KEYWORD' ? IndexedValueType.INDEXED_VALUE_TYPE_TEXT : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await t.env.client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [first.name]: wrong },
    });
    const { logger, lines } = capturedLogger();
    await registerSearchAttributes(t.env.client, namespace, logger);
    const said = lines.map((line) => JSON.parse(line) as { msg: string; added?: string[] });
    expect(said[0]?.added?.sort()).toEqual(
      customSearchAttributes
        .slice(1)
        .map((key) => key.name)
        .sort(),
    );
    expect(said.slice(1).map((line) => line.msg)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^search attribute ${first.name} is registered on namespace "${namespace}" as (Text|Keyword), where numberflow writes a \\w+: lists and counts by it may be wrong`,
        ),
      ),
    ]);
    // Started again: nothing to add, the wrong type said again.
    lines.length = 0;
    await registerSearchAttributes(t.env.client, namespace, logger);
    expect(lines).toHaveLength(1);
  });
});
