// Checks of values that came from outside numberflow's edges (a workflow started or signalled by hand): pure, with no
// library, for workflow code. Each names the shape a field must have; none echoes the value it was given.

/** A message's fields, as read before they are checked. */
export type Fields = Record<string, unknown>;

export const isText = (value: unknown): value is string => typeof value === 'string';

export const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

/** An ISO 8601 date and time with its zone (as numberflow writes them): `Date.parse` alone takes other text too. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const isIsoTime = (value: unknown): value is string =>
  isText(value) && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
