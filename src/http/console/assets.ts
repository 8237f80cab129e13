// The console's two static files, read once at start: its style sheet and its live-update script (no build step).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ASSETS } from './pages/layout.js';

const files = [
  { path: ASSETS.css, file: 'console.css', type: 'text/css; charset=utf-8' },
  { path: ASSETS.js, file: 'console.js', type: 'text/javascript; charset=utf-8' },
] as const;

export function assetRoutes(app: FastifyInstance): void {
  for (const { path, file, type } of files) {
    const body = readFileSync(new URL(`./assets/${file}`, import.meta.url), 'utf8');
    app.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
  // Browsers ask for it on every page; there is none.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
}
