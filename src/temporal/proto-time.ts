// A protobuf Timestamp or Duration as Temporal's API gives it back (seconds as a Long or a number, nanos apart).

export type ProtoTime = { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;

/** In milliseconds; 0 when absent. */
export function protoTimeMs(time: ProtoTime): number {
  if (!time) return 0;
  return Number(String(time.seconds ?? 0)) * 1000 + Math.floor((time.nanos ?? 0) / 1_000_000);
}

/** As a date; null when absent or unset (no seconds, or zero: proto3's zero value, a Long of 0 too). */
export function protoDate(time: ProtoTime): Date | null {
  return time?.seconds && String(time.seconds) !== '0' ? new Date(protoTimeMs(time)) : null;
}
