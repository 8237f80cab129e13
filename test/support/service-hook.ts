// A client of the real server with one of its WorkflowService calls run through a hook first: to count the calls,
// or to make something happen on the server just before one (a run deleted between its listing and its read).
import type { Client } from '@temporalio/client';

type Service = Client['workflowService'];
/** The service's calls, by name (its other members are protobufjs's own). */
type Call = {
  [K in keyof Service]: Service[K] extends (request: never) => Promise<unknown> ? K : never;
}[keyof Service];
type RequestOf<K extends Call> = Service[K] extends (request: infer R) => Promise<unknown> ? R : never;

export function withServiceHook<K extends Call>(
  client: Client,
  method: K,
  before: (request: RequestOf<K>) => unknown,
): Client {
  const service = client.workflowService;
  const workflowService = new Proxy(service, {
    get(target, property, receiver) {
      const real = Reflect.get(target, property, receiver) as unknown;
      if (property !== method) return real;
      return async (request: RequestOf<K>) => {
        await before(request);
        return (real as (request: RequestOf<K>) => Promise<unknown>).call(target, request);
      };
    },
  });
  return Object.create(client, { workflowService: { value: workflowService } }) as Client;
}
