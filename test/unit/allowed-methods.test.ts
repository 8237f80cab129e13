// The methods a path is served for, as the 405 answer names them in Allow.
import cors from '@fastify/cors';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { followRoutes } from '../../src/http/allowed-methods.js';

describe('the methods a path is served for', () => {
  it('follows routes as Fastify matches them, parameters, prefixes and literal colons too; not CORS preflights', async () => {
    const app = Fastify();
    const allowed = followRoutes(app);
    app.get('/v1/journeys/:e164', async () => ({}));
    app.post('/v1/journeys::batch', async () => ({}));
    await app.register(
      async (codec) => {
        await codec.register(cors, { origin: ['http://localhost:8233'] }); // OPTIONS on every path
        codec.post('/decode', async () => ({}));
      },
      { prefix: '/codec' },
    );
    await app.ready();
    expect(allowed.on('/v1/journeys/+14155552671')).toEqual(['GET', 'HEAD']);
    expect(allowed.on('/v1/journeys:batch')).toEqual(['POST']);
    expect(allowed.on('/codec/decode')).toEqual(['POST']);
    expect(allowed.on('/codec/nope')).toEqual([]);
    expect(allowed.on('/nope')).toEqual([]);
    await app.close();
  });
});
