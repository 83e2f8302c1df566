// Reads statuses from an IETF Token Status List with the OpenWallet
// Foundation's @sd-jwt/jwt-status-list.
// stdin: {"jwt": "...", "indices": [..]}  stdout: {"bits": n, "size": n, "statuses": [..]}
import { getListFromStatusListJWT } from '@sd-jwt/jwt-status-list';
import { readStdin } from './stdin.mjs';

const { jwt, indices } = await readStdin();
const list = getListFromStatusListJWT(jwt);
process.stdout.write(JSON.stringify({
  bits: list.getBitsPerStatus(),
  size: list.statusList.length,
  statuses: indices.map((i) => list.getStatus(i)),
}));
