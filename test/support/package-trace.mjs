// A module hook for a spawned process: writes each npm package the process loads, once, to standard error as
// `loaded <package>` (the command line's startup test reads which packages a command needs).
import { register } from 'node:module';

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
