import { generateSecretsKeyPair, privateKeyFrom, publicKeyFrom, keyIdOf, seal, unseal } from '../src/codec/sealing.js';
const pair = generateSecretsKeyPair();
const pub = publicKeyFrom(pair.publicKey); const priv = privateKeyFrom(pair.privateKey);
const to = { kid: keyIdOf(pub), key: pub };
for (let round = 0; round < 3; round++) {
  let t = performance.now(); const envs = [];
  for (let i = 0; i < 2000; i++) envs.push(seal('123456', to));
  const s = (performance.now() - t) / 2000; t = performance.now();
  for (const e of envs) unseal(e, priv);
  const u = (performance.now() - t) / 2000;
  console.log(`seal ${(s*1000).toFixed(0)} µs, unseal ${(u*1000).toFixed(0)} µs`);
}
