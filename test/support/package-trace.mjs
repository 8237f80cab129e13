// A preload for a spawned process: writes each npm package the process loads, once, to standard error as
// `loaded <package>` — through import (a module hook) or require (the CommonJS resolver) — for the command line's
// startup test.
import Module, { register } from 'node:module';
import process from 'node:process';

const seen = new Set();
const report = (path) => {
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (name && !seen.has(name)) {
    seen.add(name);
    process.stderr.write(`loaded ${name}\n`);
  }
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const resolved = resolveFilename.apply(this, args);
  report(resolved);
  return resolved;
};

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      const seen = new Set();
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        const name = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url)?.[1];
        if (name && !seen.has(name)) {
          seen.add(name);
          process.stderr.write('loaded ' + name + '\\n');
        }
        return resolved;
      }
    `),
);
