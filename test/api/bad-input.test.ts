import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { journeyWorkflowId } from '../../src/domain/journey.js';
import type { ErrorBody } from '../../src/http/errors.js';
import { useBench } from '../support/bench.js';
import { OTHER_PORTFOLIO, useApi, type CallOptions } from './support.js';

describe('bad input to the API (dev server, worker, Graph sandbox)', () => {
  const t = useBench('dev');
  const api = useApi(t);

  /** Nothing was started for the number: Temporal has no workflow by its id. */
  const nothingStarted = async (phoneNumber: unknown) => {
    if (typeof phoneNumber !== 'string' || !/^\+\d+$/.test(phoneNumber)) return;
    const described = t.env.client.workflow.getHandle(journeyWorkflowId(phoneNumber)).describe();
    await expect(described).rejects.toBeInstanceOf(WorkflowNotFoundError);
  };
  const starting = (body: unknown, headers: Record<string, string> = { 'idempotency-key': randomUUID() }) =>
    api.call<ErrorBody>('POST', '/v1/journeys', { as: 'onboarding', body, headers });

  it.each([
    ['malformed JSON', '{"wabaId": "1", ', 400, 'malformed_json', []],
    [
      'an unknown field',
      { unknownField: true },
      400,
      'invalid_request',
      [{ in: 'body', field: 'unknownField', message: 'is not a field of this request' }],
    ],
    [
      'a caller naming who acts',
      { requestedBy: 'admin@acme' },
      400,
      'invalid_request',
      [{ in: 'body', field: 'requestedBy', message: 'is not a field of this request' }],
    ],
    [
      'a wrong type',
      { ivr: 'yes' },
      400,
      'invalid_request',
      [{ in: 'body', field: 'ivr', message: 'must be true or false, got text' }],
    ],
    [
      'a WABA id that is not numeric',
      { wabaId: "1' OR 1=1" },
      400,
      'invalid_request',
      [{ in: 'body', field: 'wabaId', message: 'must be a numeric Graph id' }],
    ],
    [
      'a number not in E.164',
      { phoneNumber: '4155552671' },
      400,
      'invalid_request',
      [{ in: 'body', field: 'phoneNumber', message: expect.stringContaining('is not in international form') }],
    ],
    [
      'an invalid number',
      { phoneNumber: '+1 415 078 3881' },
      400,
      'invalid_request',
      [{ in: 'body', field: 'phoneNumber', message: expect.stringContaining('is not a valid number') }],
    ],
    [
      'a bad WABA id beside a bad number',
      { wabaId: 'abc', phoneNumber: '+1 415 078 3881' },
      400,
      'invalid_request',
      [
        { in: 'body', field: 'wabaId', message: 'must be a numeric Graph id' },
        { in: 'body', field: 'phoneNumber', message: expect.stringContaining('is not a valid number') },
      ],
    ],
    [
      'a number to add whose Embedded Signup window has closed',
      { signupAt: new Date(Date.now() - 15 * 24 * 3600_000).toISOString() },
      400,
      'invalid_request',
      [
        {
          in: 'body',
          field: 'signupAt',
          message: expect.stringMatching(/^the 14-day Embedded Signup window closed at .+; run Embedded Signup again$/),
        },
      ],
    ],
    ['an oversized body', { displayName: 'x'.repeat(33 * 1024) }, 413, 'body_too_large', []],
  ] as const)(
    'refuses %s with the problem named, and starts nothing',
    async (_what, change, status, code, problems) => {
      const body = typeof change === 'string' ? change : api.startBody(change);
      const answer = await starting(body);
      expect(answer.status).toBe(status);
      expect(answer.body.error).toMatchObject({ code });
      expect(answer.body.error.problems).toEqual(problems);
      await nothingStarted(typeof body === 'string' ? undefined : body.phoneNumber);
    },
  );

  it.each([
    ['missing', {}, 'is required: a key of your choosing that makes a retried start safe'],
    ['too long', { 'idempotency-key': 'k'.repeat(201) }, 'must be 1–200 characters of A-Z a-z 0-9 . _ : -'],
    ['with a quote', { 'idempotency-key': "key' OR 1=1" }, 'must be 1–200 characters of A-Z a-z 0-9 . _ : -'],
    ['sent twice (joined by Node)', { 'idempotency-key': 'a1, a2' }, 'was sent more than once: send one key'],
  ])('refuses an Idempotency-Key that is %s, and starts nothing', async (_what, headers, message) => {
    const body = api.startBody();
    const answer = await starting(body, headers);
    expect(answer).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', problems: [{ in: 'header', field: 'Idempotency-Key', message }] } },
    });
    await nothingStarted(body.phoneNumber);
  });

  it('answers headers too large for Node in the one error shape', async () => {
    const answer = await fetch(`${api.url}/v1/journeys`, {
      headers: { authorization: `Bearer ${'x'.repeat(17_000)}` },
    });
    expect(answer.status).toBe(431);
    expect(await answer.json()).toEqual({
      error: {
        code: 'invalid_request',
        message: "the request's headers are larger than this server accepts",
        problems: [],
      },
    });
  });

  it('answers a method a path is not served for 405, naming those it is in Allow; a path served for none 404', async () => {
    const wrong = async (method: string, path: string) => {
      const answer = await fetch(`${api.url}${path}`, { method, headers: { authorization: 'Bearer nobody' } });
      return { status: answer.status, allow: answer.headers.get('allow'), body: (await answer.json()) as ErrorBody };
    };
    expect(await wrong('DELETE', '/v1/journeys?stage=LIVE')).toEqual({
      status: 405,
      allow: 'GET, HEAD, POST',
      body: {
        error: {
          code: 'method_not_allowed',
          message: '/v1/journeys does not take DELETE: it takes GET, HEAD, POST',
          problems: [],
        },
      },
    });
    expect(await wrong('GET', '/v1/journeys/+14155552671/otp')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await wrong('PUT', '/v1/journeys:batch')).toMatchObject({ status: 405, allow: 'POST' });
    expect(await wrong('PUT', '/webhooks/meta')).toMatchObject({ status: 405, allow: 'GET, HEAD, POST' });
    expect(await wrong('DELETE', '/v1/nope')).toMatchObject({ status: 404, allow: null });
  });

  it('refuses a query parameter a route does not take, naming it, whether the route takes a query or none', async () => {
    const e164 = '+14155552671';
    const refused = [
      await api.call<ErrorBody>('POST', '/v1/journeys?foo=bar', { as: 'onboarding', body: api.startBody() }),
      await api.call<ErrorBody>('GET', `/v1/numbers/${e164}/identities?page_size=5`, { as: 'operator' }),
    ];
    expect(refused.map((r) => [r.status, r.body.error.problems])).toEqual([
      [400, [{ in: 'query', field: 'foo', message: 'is not a field of this request' }]],
      [400, [{ in: 'query', field: 'page_size', message: 'is not a field of this request' }]],
    ]);
  });

  it('refuses a body that is not JSON, a bad number in the path, a bad code, a wait out of range and a stage that is none', async () => {
    const e164 = '+14155552671';
    const cases: [string, string, CallOptions, number, string][] = [
      [
        'POST',
        '/v1/journeys',
        { as: 'onboarding', body: '<start/>', headers: { 'content-type': 'application/xml', 'idempotency-key': 'k' } },
        415,
        'unsupported_media_type',
      ],
      ['POST', `/v1/journeys/${e164}/otp`, { body: '' }, 400, 'malformed_json'],
      [
        'POST',
        `/v1/journeys/${e164}/otp`,
        { body: '123456', headers: { 'content-type': 'text/plain' } },
        415,
        'unsupported_media_type',
      ],
      [
        'POST',
        `/v1/journeys/${e164}/identity-check`,
        { body: { enabled: 'yes' } },
        400,
        'must be true or false, got text: true turns the check on',
      ],
      ['GET', '/v1/journeys/4155552671', { as: 'auditor' }, 400, 'e164'],
      ['GET', '/v1/journeys/%E0%A4%A', { as: 'auditor' }, 400, 'the path is not a valid URL'],
      ['GET', `/v1/journeys/+${'1'.repeat(3_000)}`, { as: 'auditor' }, 400, 'longer than any this service takes'],
      ['POST', `/v1/journeys/${e164}/otp`, { body: { code: '12345' } }, 400, 'the code must be 6 digits, got 5'],
      [
        'POST',
        `/v1/journeys/${e164}/pin`,
        { body: { pin: 'abcdef' } },
        400,
        'the two-step PIN must be exactly 6 digits',
      ],
      ['POST', `/v1/journeys/${e164}/otp?waitSeconds=0`, { body: { code: '123456' } }, 400, 'waitSeconds'],
      ['POST', `/v1/journeys/${e164}/resend`, { body: { method: 'FAX' } }, 400, 'method'],
      // One problem, the name's own rule (a length of the route's own also refused 201–255, which a start takes).
      [
        'POST',
        `/v1/journeys/${e164}/display-name`,
        { body: { displayName: 'Acme '.repeat(60) } },
        400,
        '[{"in":"body","field":"displayName","message":"the display name must be at most 255 characters, got 299"}]',
      ],
      ['POST', `/v1/journeys/${e164}/display-name`, { body: { displayName: 'Acme '.repeat(46) } }, 404, 'no journey'],
      ['POST', `/v1/journeys/${e164}/cancel`, { body: { reason: ' ' } }, 400, 'is required: say why'],
      // No body at all: the field it needs is named, as for {}.
      ['POST', `/v1/journeys/${e164}/pin-reveal`, { as: 'admin' }, 400, '"field":"reason","message":"is required'],
      ['POST', `/v1/journeys/${e164}/otp`, {}, 400, '"field":"code","message":"is required'],
      [
        'POST',
        `/v1/journeys/${e164}/cancel`,
        { body: { reason: '\u001b[2J\u001b[31mFAKE: journey LIVE' } },
        400,
        'must be one line of text, without control characters',
      ],
      // A message of 4,000 Cyrillic characters as an encoder that escapes non-ASCII writes it (24 KB): not too large.
      [
        'POST',
        `/v1/numbers/${e164}/messages`,
        { body: JSON.stringify({ to: '15551234567', text: 'П'.repeat(4_000) }).replace(/П/g, '\\u041f') },
        404,
        'no journey',
      ],
      // Half a character (JSON's "\ud800"): kept, every later view would be JSON a strict client refuses.
      [
        'POST',
        `/v1/journeys/${e164}/cancel`,
        { body: { reason: 'lone \ud800 half' } },
        400,
        'without control characters',
      ],
      [
        'PUT',
        `/v1/portfolios/${OTHER_PORTFOLIO}/cap`,
        { as: 'admin', body: { cap: 5, reason: 'x \udfff' } },
        400,
        'reason',
      ],
      ['GET', `/v1/journeys?stage=${encodeURIComponent("AWAITING_OTP' OR 1=1")}`, { as: 'auditor' }, 400, 'stage'],
      ['GET', '/v1/journeys?pageSize=1000', { as: 'auditor' }, 400, 'pageSize'],
      // A body is taken as sent: an encoded one is refused, not read as malformed JSON or as if it were not encoded.
      [
        'POST',
        `/v1/journeys/${e164}/resend`,
        { body: {}, headers: { 'content-encoding': 'gzip' } },
        415,
        'Content-Encoding gzip is not taken: send the JSON body unencoded',
      ],
      [
        'POST',
        `/v1/journeys/${e164}/resend`,
        { body: {}, headers: { 'content-encoding': 'identity' } },
        404,
        'no journey',
      ],
      // A GET has no body to decode: its Content-Encoding means nothing and is not refused.
      ['GET', `/v1/journeys/${e164}`, { as: 'auditor', headers: { 'content-encoding': 'gzip' } }, 404, 'no journey'],
      // A whole number in digits: nothing, hex, an exponent or a space (which Number() takes) are text.
      ['GET', '/v1/journeys?pageSize=0x10', { as: 'auditor' }, 400, 'pageSize: must be a number, got text'],
      ['POST', `/v1/journeys/${e164}/otp?waitSeconds=1e1`, { body: { code: '123456' } }, 400, 'waitSeconds'],
      ['POST', `/v1/journeys/${e164}/otp?waitSeconds=%201`, { body: { code: '123456' } }, 400, 'waitSeconds'],
      ['GET', `/v1/numbers/${e164}/identities?offset=`, { as: 'auditor' }, 400, 'offset: must be a number, got text'],
      ['GET', '/v1/webhooks/dead-letters?after=', { as: 'admin' }, 400, 'after'],
      ['GET', `/v1/numbers/${e164}/identities?pageSize=501`, { as: 'auditor' }, 400, 'pageSize'],
      ['GET', `/v1/numbers/${e164}/identities?offset=-1`, { as: 'auditor' }, 400, 'offset: must be at least 0'],
      ['GET', '/v1/journeys?pageSize=-5', { as: 'auditor' }, 400, 'pageSize: must be at least 1'],
      ['GET', `/v1/numbers/${e164}/identities?offset=1.5`, { as: 'auditor' }, 400, 'offset: must be a whole number'],
      ['GET', '/v1/journeys?pageToken=bm90IGEgdG9rZW4', { as: 'auditor' }, 400, 'pageToken'],
      [
        'GET',
        '/v1/journeys?pageSize=5&pageSize=6&stage=LIVE&stage=AWAITING_OTP',
        { as: 'auditor' },
        400,
        '[{"in":"query","field":"pageSize","message":"is given more than once"},{"in":"query","field":"stage","message":"is given more than once"}]',
      ],
      // On a route that takes no query: not one of its parameters, once or twice.
      ['GET', `/v1/journeys/${e164}/runs?x=1&x=2`, { as: 'auditor' }, 400, 'is not a field of this request'],
      [
        'PUT',
        `/v1/portfolios/${t.bench?.portfolioId ?? '1'}/cap`,
        { as: 'admin', body: { cap: 0, reason: 'x' } },
        400,
        'cap',
      ],
      [
        'POST',
        `/v1/portfolios/${t.bench?.portfolioId ?? '1'}/reconcile`,
        { as: 'admin', body: { reason: ' ' } },
        400,
        'reason',
      ],
    ];
    for (const [method, path, options, status, named] of cases) {
      const answer = await api.call<ErrorBody>(method, path, options);
      expect(answer.status, `${method} ${path}`).toBe(status);
      expect(JSON.stringify(answer.body.error), `${method} ${path}`).toContain(named);
    }
    // Two filters that would list nothing together: the problem names its parameter (problems was empty).
    const together = await api.call<ErrorBody>('GET', '/v1/journeys?awaitingInput=true&stage=LIVE', { as: 'auditor' });
    expect(together.status).toBe(400);
    expect(together.body.error.problems).toEqual([
      {
        in: 'query',
        field: 'stage',
        message: expect.stringMatching(/^awaiting input lists journeys in AWAITING_OTP, .*stage LIVE is none of them/),
      },
    ]);
  });
});
