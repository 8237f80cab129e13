// A Temporal client of the shared dev server whose history reads can be held back, through gRPC's own interceptor
// hook: every call still goes to the real server, a held read only starts later. It shows that a stream sends what
// it has before it reads the next history.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { testDataConverter } from './temporal.js';

export interface HistoryGate {
  client: Client;
  /** History reads asked for since `hold`, and those the server has answered. */
  counts(): { asked: number; answered: number };
  /** Counts reads from now on; those after the first `allowed` wait until `open()`. */
  hold(allowed: number): void;
  open(): void;
  close(): Promise<void>;
}

const HISTORY_READ = '/temporal.api.workflowservice.v1.WorkflowService/GetWorkflowExecutionHistory';

export async function gatedHistoryClient(address: string): Promise<HistoryGate> {
  let asked = 0;
  let answered = 0;
  let heldFrom = Number.POSITIVE_INFINITY;
  let release = () => {};
  let opened = Promise.resolve();
  const gate: Interceptor = (options, nextCall) => {
    if (options.method_definition.path !== HISTORY_READ) return new InterceptingCall(nextCall(options));
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        asked += 1;
        const go = () =>
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              answered += 1;
              nextStatus(status);
            },
          });
        if (asked > heldFrom) void opened.then(go);
        else go();
      },
    });
  };
  const connection = await Connection.connect({
    address,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), gate],
  });
  return {
    client: new Client({ connection, dataConverter: testDataConverter }),
    counts: () => ({ asked, answered }),
    hold(allowed) {
      asked = 0;
      answered = 0;
      heldFrom = allowed;
      opened = new Promise((resolve) => (release = resolve));
    },
    open() {
      heldFrom = Number.POSITIVE_INFINITY;
      release();
    },
    close: () => connection.close(),
  };
}
