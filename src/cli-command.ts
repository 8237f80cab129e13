// How to run numberflow's command line from where this process runs: the image holds the built folder alone (no
// sources, no npm scripts), so a hint that names `npm run numberflow` would fail inside it.
export const NUMBERFLOW_COMMAND = import.meta.url.includes('/dist/') ? 'node dist/starter.js' : 'npm run numberflow --';
