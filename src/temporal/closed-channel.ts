// The SDK's gRPC retries start each new attempt from a timer. An attempt due after its connection closed — a call
// nobody waits for any more, such as a /metrics count a scrape gave up on during an outage — is made on the closed
// channel, which throws "Channel has been shut down" from the timer, where nothing can catch it: a process stopping
// on purpose died with a stack and exit 1. Placed inside the retries, this interceptor ends such an attempt as
// CANCELLED instead (not retried), so the call ends with an error its caller, if any, hears.
import { InterceptingCall, Metadata, status, type Interceptor, type NextCall, type StatusObject } from '@grpc/grpc-js';

type Call = ReturnType<NextCall>;

const CLOSED = 'Channel has been shut down';

export const closedChannelGuard: Interceptor = (options, nextCall) => {
  try {
    return new InterceptingCall(nextCall(options));
  } catch (err) {
    if (!(err instanceof Error) || err.message !== CLOSED) throw err;
    return new InterceptingCall(closedCall());
  }
};

/** A call that ends as soon as it starts: CANCELLED, the connection closed. */
function closedCall(): Call {
  const ended: StatusObject = {
    code: status.CANCELLED,
    details: 'the connection to Temporal was closed',
    metadata: new Metadata(),
  };
  return {
    // Ended as grpc-js ends a unary call (a client Connection makes no other), a message (none) before the status:
    // the retry interceptor's last step passes on the message it was given, and a first attempt on a closed
    // connection gives it no other.
    start: (_metadata, listener) =>
      setImmediate(() => {
        listener?.onReceiveMessage?.(null);
        listener?.onReceiveStatus?.(ended);
      }),
    cancelWithStatus: () => undefined,
    getPeer: () => '',
    sendMessageWithContext: () => undefined,
    sendMessage: () => undefined,
    startRead: () => undefined,
    halfClose: () => undefined,
    getAuthContext: () => null,
  };
}
