package credential

// Bundle is what an issuer hands out for one credential (`<id>.json`): every
// secured form of the credential and the proof that it was anchored.
type Bundle struct {
	// ID is the credential id, "urn:uuid:…".
	ID string `json:"id"`
	// Type is the credential type, e.g. "Diploma".
	Type string `json:"type"`
	// Issuer is the issuer's URI, IssuerURI(issuerID).
	Issuer string `json:"issuer"`
	// VCJWT is the credential secured as a compact JWS (`vc+jwt`).
	VCJWT string `json:"vc_jwt"`
	// SDJWT is the credential as an SD-JWT VC (`dc+sd-jwt`) with every
	// disclosure, "~"-joined with the trailing "~".
	SDJWT string `json:"sd_jwt,omitempty"`
	// QR is the compact form "SC1:" + base45(zlib?(COSE_Sign1(CWT))).
	QR string `json:"qr"`
	// Anchor proves the credential's digests are in an anchored batch.
	Anchor Anchor `json:"anchor"`
}

// Anchor is an RFC 9162 inclusion proof of a credential's leaf in the Merkle
// tree whose root the ledger holds for the batch.
type Anchor struct {
	Batch string `json:"batch"`
	// Root is the hex Merkle tree hash of the batch.
	Root string `json:"root"`
	// Index is the credential's leaf index.
	Index int `json:"index"`
	// Proof is the audit path, hex hashes from the leaf up.
	Proof []string `json:"proof"`
}
