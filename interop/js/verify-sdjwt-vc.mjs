// Verifies an SD-JWT VC with the OpenWallet Foundation's @sd-jwt/sd-jwt-vc,
// the issuer's key found by kid in a JWKS.
// stdin: {"sdjwt": "...", "jwks": {...}}  stdout: {"payload": {...}, "claims": {...}}
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { decodeProtectedHeader } from 'jose';
import { webcrypto } from 'node:crypto';
import { readStdin } from './stdin.mjs';

const { sdjwt, jwks } = await readStdin();
const header = decodeProtectedHeader(sdjwt.split('~')[0]);
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) throw new Error(`no key ${header.kid} in the JWKS`);

const verifier = async (data, signature) => {
  if (header.alg === 'ES256') return (await ES256.getVerifier(jwk))(data, signature);
  const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
  return webcrypto.subtle.verify('Ed25519', key, Buffer.from(signature, 'base64url'), new TextEncoder().encode(data));
};
const sdjwtvc = new SDJwtVcInstance({ hasher: digest, verifier });
const result = await sdjwtvc.verify(sdjwt);
process.stdout.write(JSON.stringify({ payload: result.payload, header: result.header }));
