// A number's timeline as an HTTP answer, for the API's audit route and the console's downloads: the runs a principal
// may see, in the format asked for (by `?format=` or the Accept header), with the media type and headers that fit.
import type { Client } from '@temporalio/client';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Negotiator from 'negotiator';
import { journeyTimeline, renderTimeline, type Timeline, type TimelineFormat } from '../../audit/index.js';
import type { Principal } from '../auth/principals.js';

export const timelineMediaTypes = {
  json: 'application/json',
  markdown: 'text/markdown',
  html: 'text/html',
} as const satisfies Record<TimelineFormat, string>;

const fileExtensions = { json: 'json', markdown: 'md', html: 'html' } as const satisfies Record<TimelineFormat, string>;

/**
 * The printable page is self-contained: inline styles, no script. Its own policy (the one in its <meta>) replaces
 * the console's, which would block the inline styles.
 */
const PRINTABLE_PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

/** The runs of the number in the principal's portfolios (a run of another is never read); none: not found. */
export function visibleTimeline(client: Client, principal: Principal, e164: string): Promise<Timeline> {
  return journeyTimeline(client, e164, { withinPortfolios: principal.portfolios });
}

/** `?format=` when given, else the Accept header's best match, else JSON (also for an Accept naming none of them). */
export function timelineFormatOf(request: FastifyRequest, asked: TimelineFormat | undefined): TimelineFormat {
  if (asked) return asked;
  const formats = Object.keys(timelineMediaTypes) as TimelineFormat[];
  const best = new Negotiator(request).mediaType(formats.map((format) => timelineMediaTypes[format]));
  return formats.find((format) => timelineMediaTypes[format] === best) ?? 'json';
}

/** Sends the timeline, never stored by a cache; `download` makes it a file to save. */
export function sendTimeline(
  reply: FastifyReply,
  timeline: Timeline,
  format: TimelineFormat,
  download = false,
): FastifyReply {
  reply
    .type(`${timelineMediaTypes[format]}; charset=utf-8`)
    .header('cache-control', 'no-store')
    .header('vary', 'accept');
  if (format === 'html') reply.header('content-security-policy', PRINTABLE_PAGE_POLICY);
  if (download) {
    const name = `audit-${timeline.e164.replace('+', '')}.${fileExtensions[format]}`;
    reply.header('content-disposition', `attachment; filename="${name}"`);
  }
  return reply.send(renderTimeline(timeline, format));
}
