package oid4vci

import (
	"github.com/sceau/sceau/chaincode/record"
	"github.com/sceau/sceau/credential"
	"github.com/sceau/sceau/schemas"
)

// The paths of the endpoints, under the credential issuer's URL.
const (
	PathIssuerMetadata = "/.well-known/openid-credential-issuer"
	PathASMetadata     = "/.well-known/oauth-authorization-server"
	PathToken          = "/oid4vci/token"
	PathNonce          = "/oid4vci/nonce"
	PathCredential     = "/oid4vci/credential"
)

// display is a name in one language.
type display struct {
	Name   string `json:"name"`
	Locale string `json:"locale"`
}

// typeNames are the names of the credential types wallets show.
var typeNames = map[string][2]string{ // French, English
	schemas.TypeDiploma:          {"Diplôme", "Diploma"},
	schemas.TypePixCertification: {"Certification Pix", "Pix certification"},
}

// IssuerMetadata returns the Credential Issuer Metadata (OpenID4VCI §12.2):
// the endpoints, and per credential type a dc+sd-jwt configuration (its
// vct, each claim with its name in French and English) and a jwt_vc_json
// one (the W3C form).
func (s *Server) IssuerMetadata() map[string]any {
	configs := map[string]any{}
	for _, ct := range record.CredentialTypes() {
		typ := string(ct)
		vct, err := credential.VCTOf(s.url, typ) // the base of the credentials this server issues
		if err != nil {
			continue // a type without an SD-JWT VC form
		}
		names := typeNames[typ]
		typeDisplay := []display{{names[0], "fr"}, {names[1], "en"}}
		ids := ConfigurationIDs(typ)
		configs[ids[0]] = map[string]any{
			"format": FormatSDJWT,
			"scope":  ids[0],
			"vct":    vct,
			"cryptographic_binding_methods_supported": []string{"jwk"},
			"credential_signing_alg_values_supported": ProofAlgorithms,
			"proof_types_supported": map[string]any{
				"jwt": map[string]any{"proof_signing_alg_values_supported": ProofAlgorithms},
			},
			"credential_metadata": map[string]any{
				"display": typeDisplay,
				"claims":  claimsMetadata(typ),
			},
		}
		configs[ids[1]] = map[string]any{
			"format": FormatJWTVC,
			"scope":  ids[1],
			"credential_signing_alg_values_supported": ProofAlgorithms,
			"credential_definition": map[string]any{
				"type": []string{"VerifiableCredential", typ},
			},
			"credential_metadata": map[string]any{
				"display": typeDisplay,
			},
		}
	}
	return map[string]any{
		"credential_issuer":                   s.url,
		"credential_endpoint":                 s.url + PathCredential,
		"nonce_endpoint":                      s.url + PathNonce,
		"display":                             []display{{"Sceau — registre des diplômes", "fr"}, {"Sceau — credentials ledger", "en"}},
		"credential_configurations_supported": configs,
	}
}

// claimsMetadata returns the claims of a type's SD-JWT VC, each with its
// name in French and English (the CSV column's header).
func claimsMetadata(typ string) []map[string]any {
	visible, disclosable, err := credential.SDJWTClaimNames(typ)
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, name := range append(visible, disclosable...) {
		fr, ok := schemas.ClaimLabel(typ, name, schemas.LangFrench)
		en, _ := schemas.ClaimLabel(typ, name, schemas.LangEnglish)
		claim := map[string]any{"path": []string{name}}
		if ok {
			claim["display"] = []display{{fr, "fr"}, {en, "en"}}
		}
		out = append(out, claim)
	}
	return out
}

// AuthorizationServerMetadata returns the OAuth 2.0 Authorization Server
// Metadata (RFC 8414) of the server's token endpoint: the credential
// issuer is its own authorization server, for the pre-authorized code
// grant only, without client authentication.
func (s *Server) AuthorizationServerMetadata() map[string]any {
	return map[string]any{
		"issuer":                s.url,
		"token_endpoint":        s.url + PathToken,
		"grant_types_supported": []string{GrantPreAuthorized},
		"pre-authorized_grant_anonymous_access_supported": true,
		"token_endpoint_auth_methods_supported":           []string{"none"},
		"response_types_supported":                        []string{},
	}
}
