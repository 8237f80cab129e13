// Seeded randomness. Each purpose (codes, ids, trace ids, faults) draws from its own stream, so that with the same
// seed an OTP is the same whether or not a test also injected a probabilistic fault.
import { randomInt } from 'node:crypto';

export type RandomPurpose = 'codes' | 'ids' | 'trace' | 'faults' | 'tokens';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** mulberry32: tiny, fast and good enough for a simulator (not for secrets). Its whole state is one number. */
class Mulberry32 {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export class RandomStream {
  constructor(private readonly generator: Mulberry32) {}

  /** Where the stream stands, so a restarted sandbox goes on with new ids instead of repeating old ones. */
  get state(): number {
    return this.generator.state;
  }

  set state(value: number) {
    this.generator.state = value >>> 0;
  }

  private next(): number {
    return this.generator.next();
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  digits(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += Math.floor(this.next() * 10);
    return out;
  }

  /** A numeric Graph id: 15 digits, no leading zero (Meta ids look like "106540352242922"). */
  graphId(): string {
    return `${1 + Math.floor(this.next() * 9)}${this.digits(14)}`;
  }

  alphanumeric(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHANUMERIC[Math.floor(this.next() * ALPHANUMERIC.length)];
    return out;
  }
}

export class SandboxRandom {
  readonly seed: number;
  private readonly streams = new Map<RandomPurpose, RandomStream>();

  constructor(seed?: number) {
    this.seed = seed ?? randomInt(2 ** 31);
  }

  states(): Partial<Record<RandomPurpose, number>> {
    return Object.fromEntries([...this.streams].map(([purpose, stream]) => [purpose, stream.state]));
  }

  restoreStates(states: Partial<Record<RandomPurpose, number>>): void {
    for (const [purpose, state] of Object.entries(states) as [RandomPurpose, number][]) {
      this.stream(purpose).state = state;
    }
  }

  stream(purpose: RandomPurpose): RandomStream {
    let stream = this.streams.get(purpose);
    if (!stream) {
      stream = new RandomStream(new Mulberry32(hashString(`${this.seed}:${purpose}`)));
      this.streams.set(purpose, stream);
    }
    return stream;
  }
}
