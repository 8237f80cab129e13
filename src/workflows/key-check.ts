// The payload-key probe a client runs before sending anything (src/codec/key-probe.ts): its input is encrypted
// with the client's active key and its answer with the worker's, so an echoed nonce proves both ways work. An
// input the worker cannot decrypt fails this run at once through the undecryptable-payload guard.
export interface KeyCheckProbe {
  nonce: string;
}

export async function keyCheck(probe: KeyCheckProbe): Promise<KeyCheckProbe> {
  return { nonce: probe.nonce };
}
