// Meta's rate-limit headers (docs/meta-graph-api.md#rate-limit-headers). X-Business-Use-Case-Usage says, per WABA, how many minutes
// remain until calls are accepted again; it beats the error table's default wait when present.
import { z } from 'zod';

export const BUSINESS_USAGE_HEADER = 'x-business-use-case-usage';

const usageEntry = z.object({
  type: z.string().optional(),
  call_count: z.number().optional(),
  total_cputime: z.number().optional(),
  total_time: z.number().optional(),
  estimated_time_to_regain_access: z.number().optional(),
});
const businessUsage = z.record(z.string(), z.array(usageEntry));

export type BusinessUseCaseUsage = z.infer<typeof businessUsage>;

/** The parsed header, or undefined when it is absent or not Meta's shape (a header never fails a call). */
export function parseBusinessUseCaseUsage(header: string | string[] | undefined): BusinessUseCaseUsage | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  try {
    const parsed = businessUsage.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds until Meta accepts calls again: the WABA's own entries when the call was for a WABA and the header
 * names it, else the largest wait in the header. Undefined when no entry gives a positive wait — Meta sends 0 when
 * this usage type is not the one throttled, and a 0 wait would turn a rate limit into a hot retry loop.
 */
export function regainAccessMs(header: string | string[] | undefined, wabaId?: string): number | undefined {
  const usage = parseBusinessUseCaseUsage(header);
  if (!usage) return undefined;
  const entries = (wabaId !== undefined && usage[wabaId]) || Object.values(usage).flat();
  const minutes = Math.max(0, ...entries.map((entry) => entry.estimated_time_to_regain_access ?? 0));
  return minutes > 0 ? minutes * 60_000 : undefined;
}
