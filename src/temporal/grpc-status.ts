// gRPC's NOT_FOUND as Temporal's answers carry it (the client's gRPC library is the SDK's own, not a dependency of
// numberflow): a namespace, a run, a history that is not there.
const GRPC_NOT_FOUND = 5;

/** Whether Temporal answered that what was asked for is not there. */
export function isNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === GRPC_NOT_FOUND;
}
