// Tokens at rest: each sealed on its own with AES-256-GCM under the store key, with the key id beside it so keys
// can rotate, and bound to its row (the WABA) so a sealed token cannot be moved to another WABA. The store key is
// not a payload key: whoever reads Temporal's history cannot open the token store, and the other way round.
import { join } from 'node:path';
import { decrypt, encrypt } from '../codec/aes-gcm-codec.js';
import { localKeyFile, parseKeyList, type KeyRing } from '../codec/keys.js';
import { storedTokensIn } from './sqlite.js';
import { SQLITE_FILE } from './sqlite-file.js';

export interface Sealed {
  keyId: string;
  /** base64 of iv ‖ ciphertext ‖ tag. */
  data: string;
}

/** A sealed value this process cannot open: the key id is named, never a key or the value. */
export class StoreKeyError extends Error {
  override readonly name = 'StoreKeyError';
  constructor(
    message: string,
    readonly keyId: string,
    /** The key id is held, and its key does not open the value: another key under the same id. */
    readonly held = false,
  ) {
    super(message);
  }
}

export class Sealer {
  /** `source` says where the keys came from (NUMBERFLOW_STORE_KEY, or the key file), for error messages. */
  constructor(
    private readonly ring: KeyRing,
    readonly source: string,
  ) {}

  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  /** Whether this process holds a key under the id. */
  holds(keyId: string): boolean {
    return this.ring.keys.has(keyId);
  }

  seal(plain: string, context: string): Sealed {
    const keyId = this.ring.activeKeyId;
    const key = this.ring.keys.get(keyId) as Buffer;
    return { keyId, data: encrypt(Buffer.from(plain, 'utf8'), key, Buffer.from(context)).toString('base64') };
  }

  /** `what` names the value in an error ("the token of WABA 123"). */
  open(sealed: Sealed, context: string, what: string): string {
    const key = this.ring.keys.get(sealed.keyId);
    if (!key) {
      throw new StoreKeyError(
        `${what} is sealed with store key "${sealed.keyId}", which ${this.source} does not hold: add that key to NUMBERFLOW_STORE_KEY (id:base64,…), or store the value again`,
        sealed.keyId,
      );
    }
    try {
      return decrypt(Buffer.from(sealed.data, 'base64'), key, Buffer.from(context)).toString('utf8');
    } catch {
      throw new StoreKeyError(
        `${what} does not open with store key "${sealed.keyId}" of ${this.source}: it was sealed with another key under the same id (use the key the store was written with), or for another record (a row copied from another WABA's opens under that one only)`,
        sealed.keyId,
        true,
      );
    }
  }
}

/** NUMBERFLOW_STORE_KEY; the embedded default (SQLite in the data folder) makes its own key file there. */
export function storeSealerFor(config: {
  NUMBERFLOW_STORE_KEY?: string;
  NUMBERFLOW_DATABASE_URL?: string;
  NUMBERFLOW_DATA_DIR: string;
}): Sealer {
  if (config.NUMBERFLOW_STORE_KEY) {
    return new Sealer(parseKeyList(config.NUMBERFLOW_STORE_KEY, 'NUMBERFLOW_STORE_KEY'), 'NUMBERFLOW_STORE_KEY');
  }
  if (config.NUMBERFLOW_DATABASE_URL) {
    throw new Error(
      'NUMBERFLOW_STORE_KEY is required with NUMBERFLOW_DATABASE_URL: every process of the fleet must open the same tokens (id:base64 of 32 bytes)',
    );
  }
  return new Sealer(
    // Not made again beside a store holding tokens (a folder from before the record of keys made lost it): the key
    // could not open them.
    localKeyFile(config.NUMBERFLOW_DATA_DIR, STORE_KEY_FILE, 'store', {
      holder: (dataDir) => (holdsTokens(join(dataDir, SQLITE_FILE)) ? SQLITE_FILE : null),
      variable: 'NUMBERFLOW_STORE_KEY',
    }),
    `the key file ${STORE_KEY_FILE}`,
  );
}

export const STORE_KEY_FILE = 'store-key';

/** Whether a SQLite store holds tokens; one that cannot be read (corrupt, not readable) is taken to: no key is made. */
function holdsTokens(file: string): boolean {
  try {
    return storedTokensIn(file) > 0;
  } catch {
    return true;
  }
}
