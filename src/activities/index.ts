// Activities are built by a factory that receives their clients, so tests inject a Graph client pointed at
// the sandbox instead of mocking modules.
export type ActivityDeps = Record<string, never>;

export function createActivities(_deps: ActivityDeps = {}) {
  return {};
}

export type Activities = ReturnType<typeof createActivities>;
