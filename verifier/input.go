package verifier

import (
	"fmt"

	"github.com/sceau/sceau/credential"
)

// MaxInputSize bounds what Verify reads: what credential.Decode reads, the
// largest image accepted.
const MaxInputSize = credential.MaxInputSize

// describeInput says what was decoded, for the format check.
func describeInput(in *credential.Decoded) string {
	c := in.Credential()
	if in.Bundle != nil {
		forms := "vc+jwt and SC1 forms"
		if len(in.Forms) == 3 {
			forms = "vc+jwt, SC1 and SD-JWT forms"
		}
		return fmt.Sprintf("bundle whose %s carry the same %s credential %s", forms, c.Type, c.ID)
	}
	if s := in.Presentation(); s != nil {
		return describeSDJWT(s)
	}
	f := in.Forms[0]
	return fmt.Sprintf("%s form (%s) of %s credential %s", f.Name(), f.SignatureAlgorithm(), c.Type, c.ID)
}
