import { randomBytes } from 'node:crypto';
import { generateSecretsKeyPair } from '../src/codec/sealing.js';
const p = generateSecretsKeyPair();
console.log(`export NUMBERFLOW_CODEC_KEYS=k1:${randomBytes(32).toString('base64')} NUMBERFLOW_SECRETS_KEY=${p.privateKey} NUMBERFLOW_SECRETS_PUBLIC_KEY=${p.publicKey}`);
