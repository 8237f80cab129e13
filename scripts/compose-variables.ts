// Reads `docker-compose config` (the compose file resolved, env_file merged in) on standard input and .env.example,
// and fails naming every variable given to numberflow's containers (those built from the project's Dockerfile), or
// listed in .env.example (commented-out lines too), that src/config.ts does not know: a typo there is silently
// ignored by the service. Run by scripts/check-compose.sh.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { configVariables } from '../src/config.js';

const resolved = z.object({
  services: z.record(
    z.string(),
    z.object({
      build: z.unknown().optional(),
      environment: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
});

export function unknownVariables(composeYaml: string, envExample: string): string[] {
  const { services } = resolved.parse(parse(composeYaml));
  const known = new Set(configVariables);
  const problems: string[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (service.build === undefined) continue; // not numberflow's (Temporal, PostgreSQL, the Web UI)
    for (const key of Object.keys(service.environment ?? {})) {
      if (!known.has(key)) problems.push(`service ${name} sets ${key}`);
    }
  }
  for (const [i, line] of envExample.split('\n').entries()) {
    const key = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
    if (key && !known.has(key)) problems.push(`.env.example line ${i + 1} lists ${key}`);
  }
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [envExamplePath = '.env.example'] = process.argv.slice(2);
  const problems = unknownVariables(readFileSync(0, 'utf8'), readFileSync(envExamplePath, 'utf8'));
  if (problems.length > 0) {
    console.error(`check-compose: variables src/config.ts does not know:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`check-compose: every variable is one src/config.ts knows (${configVariables.length} known)`);
}
