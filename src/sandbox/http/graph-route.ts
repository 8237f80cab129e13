// Declaring a Graph route on a phone number or WABA: the token and object checks and the input validation happen
// once here, so each route only states its input schema and its rule.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { SandboxCore } from '../core.js';
import { UnknownObjectError } from '../graph-error.js';
import type { PhoneNumber, WhatsAppScope } from '../model.js';
import { type GraphCall, isAdminPath, type Resolved, type Target, resolveObject } from './graph-call.js';
import { parseInput } from './input.js';

export const MANAGEMENT: readonly WhatsAppScope[] = ['whatsapp_business_management'];
/** Sending messages. */
export const MESSAGING: readonly WhatsAppScope[] = ['whatsapp_business_messaging'];
/** register/deregister: partners need both scopes (docs/meta-graph-api.md#registration). */
export const MANAGEMENT_AND_MESSAGING: readonly WhatsAppScope[] = [
  'whatsapp_business_management',
  'whatsapp_business_messaging',
];

export interface GraphRouteContext<I> {
  input: I;
  request: FastifyRequest;
  call: GraphCall;
}

export interface RouteSpec<S extends z.ZodType, R> {
  method: 'GET' | 'POST' | 'DELETE';
  /** The edge after /{id}, or '' for the node itself. */
  edge: string;
  scopes?: readonly WhatsAppScope[];
  input: S;
  handle: (context: GraphRouteContext<z.output<S>> & R) => unknown;
}

export type OnNumber = Resolved & { number: PhoneNumber };

const PLACEHOLDER: Record<Target, string> = {
  'phone-number': '{phone-number-id}',
  waba: '{waba-id}',
  node: '{node}',
};

/** Graph edges the sandbox serves, so an unknown method on one of them reads "Unsupported … request". */
export const knownEdges = new Set<string>();

/** A route on /{waba-id}, or on /{id} for a phone number or a WABA ('node'). */
export function objectRoute<S extends z.ZodType>(
  app: FastifyInstance,
  core: SandboxCore,
  target: Target,
  spec: RouteSpec<S, Resolved>,
): void {
  if (spec.edge) knownEdges.add(spec.edge);
  const placeholder = PLACEHOLDER[target];
  app.route({
    method: spec.method,
    url: spec.edge ? `/:id/${spec.edge}` : '/:id',
    config: { graphEndpoint: spec.edge ? `/${placeholder}/${spec.edge}` : `/${placeholder}` },
    handler: async (request, reply) => {
      const call = request.graphCall;
      // An admin path no admin route takes (GET /_sandbox/) has no Graph call: not found, as any unknown route.
      if (!call && isAdminPath(request.url)) return reply.callNotFound();
      if (!call) throw new Error('Graph call context missing');
      const resolved = resolveObject(core, request, target, spec.scopes ?? MANAGEMENT);
      const input = parseInput(spec.input, call.params);
      return spec.handle({ ...resolved, input, request, call });
    },
  });
}

/** A route on /{phone-number-id}: a WABA id there is an unknown object, as in Meta. */
export function numberRoute<S extends z.ZodType>(
  app: FastifyInstance,
  core: SandboxCore,
  spec: RouteSpec<S, OnNumber>,
): void {
  objectRoute(app, core, 'phone-number', {
    ...spec,
    handle: (context) => {
      const { number } = context;
      if (!number) throw new UnknownObjectError(context.waba.id, context.request.method);
      return spec.handle({ ...context, number });
    },
  });
}
