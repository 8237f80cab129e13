// Injected faults: Graph errors, latency, and lost or duplicated webhooks. A fault affects `times` matching calls
// (default 1); with `probability` each matching call rolls the seeded "faults" stream, so a seed replays the same run.
import { graphErrorSpec } from '../graph/errors.js';
import type { KnownWebhookField } from '../graph/webhook-fields.js';
import type { RandomStream } from './random.js';

export type FaultKind = 'error' | 'latency' | 'drop_webhook' | 'duplicate_webhook';

export interface FaultSpec {
  /**
   * Which calls: '*', a full endpoint ('POST /{phone-number-id}/register'), or its short form ('POST /register',
   * 'GET /phone_number' for the number node, 'POST /phone_numbers'). Webhook faults match the webhook field
   * ('phone_number_name_update') or '*'.
   */
  endpoint: string;
  kind: FaultKind;
  /** For 'error': a code of the error table (default 1, "API Unknown"). */
  code?: number;
  /** For 'error': the answer's `error_data.details` (default: "injected fault on <endpoint>"). */
  details?: string;
  /** For 'latency' (real milliseconds; default 500). */
  latencyMs?: number;
  times?: number;
  probability?: number;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

export interface CallFaults {
  latencyMs: number;
  errorCode?: number;
  errorDetails?: string;
}

const PLACEHOLDERS: Record<string, string> = {
  '{phone-number-id}': 'phone_number',
  '{waba-id}': 'waba',
};

/** 'POST /{phone-number-id}/register' → 'POST /register'; 'GET /{phone-number-id}' → 'GET /phone_number'. */
export function shortEndpoint(endpoint: string): string {
  const [method, path = ''] = endpoint.split(' ');
  const segments = path.split('/').filter(Boolean);
  const node = segments.length === 1 ? PLACEHOLDERS[segments[0] ?? ''] : undefined;
  const named = node ? [node] : segments.filter((s) => !s.startsWith('{'));
  return `${method} /${named.join('/')}`;
}

/**
 * The Graph endpoints the sandbox serves ('POST /{phone-number-id}/register'), as its server registers them, and the
 * webhook fields it sends: a fault naming neither would never fire, and is refused.
 */
export const servedEndpoints = new Set<string>();
const sentWebhookFields: readonly KnownWebhookField[] = [
  'account_update',
  'business_capability_update',
  'messages',
  'phone_number_name_update',
  'phone_number_quality_update',
];

function unknownTarget(spec: FaultSpec): string | null {
  if (spec.endpoint === '*') return null;
  if (spec.kind === 'drop_webhook' || spec.kind === 'duplicate_webhook') {
    if ((sentWebhookFields as readonly string[]).includes(spec.endpoint)) return null;
    return `fault endpoint "${spec.endpoint}" is no webhook field the sandbox sends: '*' or one of ${sentWebhookFields.join(', ')}`;
  }
  if (servedEndpoints.size === 0) return null; // no server yet (a core alone, in a unit test)
  const names = [...servedEndpoints].flatMap((endpoint) => [endpoint, shortEndpoint(endpoint)]);
  if (names.includes(spec.endpoint)) return null;
  const shorts = [...new Set([...servedEndpoints].map(shortEndpoint))].sort();
  return `fault endpoint "${spec.endpoint}" is no Graph endpoint the sandbox serves: '*', a full endpoint such as 'POST /{phone-number-id}/register', or one of ${shorts.join(', ')}`;
}

export class FaultBook {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: RandomStream) {}

  inject(spec: FaultSpec): void {
    const times = spec.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError('fault times must be a positive integer');
    if (spec.probability !== undefined && !(spec.probability >= 0 && spec.probability <= 1)) {
      throw new RangeError('fault probability must be between 0 and 1');
    }
    const unknown = unknownTarget(spec);
    if (unknown) throw new RangeError(unknown);
    if (spec.kind === 'error' && !graphErrorSpec(spec.code ?? 1)) {
      throw new RangeError(`fault code ${spec.code} is not in the Graph error table`);
    }
    this.faults.push({ spec, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /** The faults still armed, each with the matching calls it has left. */
  active(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f.spec, times: f.remaining }));
  }

  restore(specs: readonly FaultSpec[]): void {
    this.faults = specs.map((spec) => ({ spec: { ...spec }, remaining: spec.times ?? 1 }));
  }

  /** The faults a Graph call meets: every matching latency adds up; one error fault (the oldest) answers it. */
  forCall(endpoint: string): CallFaults {
    const names = [endpoint, shortEndpoint(endpoint)];
    const latencyMs = this.take(['latency'], names).reduce((sum, spec) => sum + (spec.latencyMs ?? 500), 0);
    const [error] = this.take(['error'], names, 1);
    if (!error) return { latencyMs };
    return {
      latencyMs,
      errorCode: error.code ?? 1,
      ...(error.details === undefined ? {} : { errorDetails: error.details }),
    };
  }

  /** What happens to a webhook of this field: dropped, sent twice, or sent normally. */
  forWebhook(field: string): 'drop' | 'duplicate' | undefined {
    const [fault] = this.take(['drop_webhook', 'duplicate_webhook'], [field], 1);
    if (!fault) return undefined;
    return fault.kind === 'drop_webhook' ? 'drop' : 'duplicate';
  }

  private take(kinds: readonly FaultKind[], names: readonly string[], limit = Infinity): FaultSpec[] {
    const taken: FaultSpec[] = [];
    for (const fault of this.faults) {
      if (taken.length >= limit) break;
      const { spec } = fault;
      if (fault.remaining <= 0 || !kinds.includes(spec.kind)) continue;
      if (spec.endpoint !== '*' && !names.includes(spec.endpoint)) continue;
      // Roll only for probabilistic faults, so a seed's stream is not consumed by certain ones.
      if (spec.probability !== undefined && this.random.float() >= spec.probability) continue;
      fault.remaining--;
      taken.push(spec);
    }
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return taken;
  }
}
