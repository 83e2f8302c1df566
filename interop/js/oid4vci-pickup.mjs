// Picks a credential up from a Sceau offer with the OpenWallet Foundation's
// OpenID4VCI client (@openid4vc/openid4vci): resolves the offer and the
// issuer's metadata, redeems the pre-authorized code with the transaction
// code, gets a c_nonce, signs the key proof with panva's jose (a key made
// here, the wallet's), asks for the dc+sd-jwt credential, then verifies it
// with @sd-jwt/sd-jwt-vc against the issuer's JWKS and checks cnf.jwk is
// the wallet's key.
// stdin: {"offer": "openid-credential-offer://…", "txCode": "123456", "jwks": {...}, "alg": "ES256"|"EdDSA"}
// stdout: {"configurationId", "payload", "holderJwk", "cnfMatches", "metadata"}
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2';
import { setGlobalConfig } from '@openid4vc/utils';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import * as jose from 'jose';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { readStdin } from './stdin.mjs';

const { offer, txCode, jwks, alg = 'ES256' } = await readStdin();
// The test's server listens on http://127.0.0.1.
setGlobalConfig({ allowInsecureUrls: true });

const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
const holderJwk = await jose.exportJWK(publicKey);

const callbacks = {
  fetch,
  hash: (data, hashAlg) => createHash(hashAlg.replace('-', '').toLowerCase()).update(data).digest(),
  generateRandom: (n) => randomBytes(n),
  clientAuthentication: clientAuthenticationAnonymous(),
  signJwt: async (_signer, { header, payload }) => {
    const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(header)
      .sign(privateKey);
    return { jwt, signerJwk: holderJwk };
  },
};
const client = new Openid4vciClient({ callbacks });

const credentialOffer = await client.resolveCredentialOffer(offer);
const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
const configs = issuerMetadata.credentialIssuer.credential_configurations_supported;
const configurationId = credentialOffer.credential_configuration_ids.find((id) => configs[id]?.format === 'dc+sd-jwt');
if (!configurationId) throw new Error('the offer has no dc+sd-jwt configuration');

const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer, issuerMetadata, txCode,
});
const { c_nonce } = await client.requestNonce({ issuerMetadata });
const { jwt: proof } = await client.createCredentialRequestJwtProof({
  issuerMetadata, credentialConfigurationId: configurationId, nonce: c_nonce,
  signer: { method: 'jwk', alg, publicJwk: holderJwk },
});
const response = await client.retrieveCredentials({
  issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: configurationId,
  proofs: { jwt: [proof] },
});
const credential = response.credentialResponse.credentials?.[0]?.credential;
if (typeof credential !== 'string') throw new Error(`no credential in ${JSON.stringify(response.credentialResponse)}`);

// Verify it independently, the issuer's key found by kid in its JWKS.
const header = jose.decodeProtectedHeader(credential.split('~')[0]);
const jwk = jwks.keys.find((k) => k.kid === header.kid);
if (!jwk) throw new Error(`no key ${header.kid} in the issuer's JWKS`);
const verifier = async (data, signature) => {
  if (header.alg === 'ES256') return (await ES256.getVerifier(jwk))(data, signature);
  const key = await webcrypto.subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['verify']);
  return webcrypto.subtle.verify('Ed25519', key, Buffer.from(signature, 'base64url'), new TextEncoder().encode(data));
};
const sdjwtvc = new SDJwtVcInstance({ hasher: digest, verifier });
const verified = await sdjwtvc.verify(credential);
const cnf = verified.payload.cnf?.jwk ?? {};
const cnfMatches = ['kty', 'crv', 'x', 'y'].every((k) => cnf[k] === holderJwk[k]);
process.stdout.write(JSON.stringify({
  configurationId,
  payload: verified.payload,
  holderJwk,
  cnfMatches,
  metadata: configs[configurationId],
}));
