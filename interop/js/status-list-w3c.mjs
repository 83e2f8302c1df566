// Decodes a W3C Bitstring Status List credential (secured as a vc+jwt)
// with nothing but node's base64 and zlib, as the specification describes
// it: the payload's credentialSubject.encodedList is "u" (multibase
// base64url) then the GZIP-compressed bitstring, whose index 0 is the
// most significant bit of the first byte.
// stdin: {"jwt": "...", "indices": [..]}  stdout: {"purpose": "...", "size": n, "bits": [..]}
import { gunzipSync } from 'node:zlib';
import { readStdin } from './stdin.mjs';

const { jwt, indices } = await readStdin();
const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
const subject = payload.credentialSubject;
if (!payload.type.includes('BitstringStatusListCredential') || subject.type !== 'BitstringStatusList') {
  throw new Error(`not a BitstringStatusListCredential: ${JSON.stringify(payload.type)}`);
}
if (!subject.encodedList.startsWith('u')) throw new Error('encodedList is not multibase base64url');
const bitstring = gunzipSync(Buffer.from(subject.encodedList.slice(1), 'base64url'));
const bit = (i) => (bitstring[Math.floor(i / 8)] >> (7 - (i % 8))) & 1;
process.stdout.write(JSON.stringify({
  purpose: subject.statusPurpose,
  size: bitstring.length * 8,
  bits: indices.map(bit),
}));
