// Validates each whole credential against the JSON Schema its
// credentialSchema names, as the W3C VC JSON Schema specification says,
// with ajv (draft 2020-12) and ajv-formats, the schema fetched from the
// deployment's public URL and nowhere else.
// stdin: {"credentials": [{...}], "base": "http://..."}  stdout: {"results": [{"schema": "...", "valid": bool, "errors": [...]}]}
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readStdin } from './stdin.mjs';

const { credentials, base } = await readStdin();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const compiled = new Map();
const results = [];
for (const c of credentials) {
  const url = c.credentialSchema.id;
  if (!url.startsWith(base + '/')) throw new Error(`credentialSchema ${url} is not under ${base}`);
  if (!compiled.has(url)) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    compiled.set(url, ajv.compile(await res.json()));
  }
  const validate = compiled.get(url);
  const valid = validate(c);
  results.push({ schema: url, valid, errors: validate.errors || [] });
}
process.stdout.write(JSON.stringify({ results }));
