// Package license knows the open licences Sceau accepts for resources made
// by teachers, by SPDX identifier, and the rules a derivative must follow,
// as each licence's own text states them:
//
//   - nothing derives from a NoDerivatives resource (CC ND: "You do not
//     have permission under this Public License to Share Adapted Material");
//   - a derivative of a ShareAlike resource carries the same licence or one
//     the licence's text allows (License.LaterOrCompatible): CC BY-SA 3.0
//     §4(b) allows "a later version of this License with the same License
//     Elements", so BY-SA 4.0, not the reverse; CC BY-SA 4.0 §3(b)(1)
//     allows "a Creative Commons license with the same License Elements,
//     this version or later, or a BY-SA Compatible License", and Creative
//     Commons declared the GNU GPL v3 one (8 October 2015), one way; the
//     GPL "or later" and CC BY-NC-SA 4.0 name none other that Sceau
//     accepts;
//   - NonCommercial stays NonCommercial.
//
// The table in package provenance's documentation shows every pair.
//
// The chaincode enforces these rules, so no platform can bypass them, and
// clients check them first for a good error: both use this package, so the
// rules and their messages are the same on either side.
//
// Imports: nothing of Sceau.
package license

import (
	"fmt"
	"slices"
	"strings"
)

// License is an open licence and the terms that constrain derivatives.
type License struct {
	// ID is the SPDX identifier, as the SPDX licence list spells it.
	ID string
	// Name is the licence's full name.
	Name string
	// NoDerivatives forbids adaptations (CC ND).
	NoDerivatives bool
	// ShareAlike requires adaptations to carry the same licence (CC SA, GPL).
	ShareAlike bool
	// NonCommercial forbids commercial use, of the work and of adaptations (CC NC).
	NonCommercial bool
	// LaterOrCompatible lists, for a ShareAlike licence, the licences
	// other than itself that its text allows adaptations to carry: later
	// versions with the same elements, and licences declared compatible.
	LaterOrCompatible []string
}

// known lists the accepted licences, in the order IDs shows them.
var known = []License{
	{ID: "CC0-1.0", Name: "Creative Commons Zero v1.0 Universal"},
	{ID: "CC-BY-4.0", Name: "Creative Commons Attribution 4.0 International"},
	{ID: "CC-BY-SA-4.0", Name: "Creative Commons Attribution Share Alike 4.0 International", ShareAlike: true,
		LaterOrCompatible: []string{"GPL-3.0-or-later"}},
	{ID: "CC-BY-NC-4.0", Name: "Creative Commons Attribution Non Commercial 4.0 International", NonCommercial: true},
	{ID: "CC-BY-NC-SA-4.0", Name: "Creative Commons Attribution Non Commercial Share Alike 4.0 International", NonCommercial: true, ShareAlike: true},
	{ID: "CC-BY-ND-4.0", Name: "Creative Commons Attribution No Derivatives 4.0 International", NoDerivatives: true},
	{ID: "CC-BY-NC-ND-4.0", Name: "Creative Commons Attribution Non Commercial No Derivatives 4.0 International", NonCommercial: true, NoDerivatives: true},
	{ID: "CC-BY-3.0", Name: "Creative Commons Attribution 3.0 Unported"},
	{ID: "CC-BY-SA-3.0", Name: "Creative Commons Attribution Share Alike 3.0 Unported", ShareAlike: true,
		LaterOrCompatible: []string{"CC-BY-SA-4.0"}},
	{ID: "etalab-2.0", Name: "Etalab Open License 2.0"},
	{ID: "MIT", Name: "MIT License"},
	{ID: "GPL-3.0-or-later", Name: "GNU General Public License v3.0 or later", ShareAlike: true},
}

// IDs returns the SPDX identifiers of every accepted licence.
func IDs() []string {
	ids := make([]string, len(known))
	for i, l := range known {
		ids[i] = l.ID
	}
	return ids
}

// Lookup returns the accepted licence whose SPDX identifier is id. SPDX
// identifiers match case-insensitively, so "cc-by-4.0" and "Etalab-2.0"
// are found; License.ID is the canonical spelling.
func Lookup(id string) (License, error) {
	for _, l := range known {
		if strings.EqualFold(l.ID, id) {
			return l, nil
		}
	}
	return License{}, fmt.Errorf("licence %q is not an accepted SPDX identifier: want one of %s", id, strings.Join(IDs(), ", "))
}

// Canonical returns the accepted licence whose SPDX identifier is exactly
// id, as the ledger stores it (no case folding).
func Canonical(id string) (License, error) {
	l, err := Lookup(id)
	if err != nil {
		return License{}, err
	}
	if l.ID != id {
		return License{}, fmt.Errorf("licence %q must be spelled %q", id, l.ID)
	}
	return l, nil
}

// Names of the rules a derivative breaks, as Violation.Rule gives them.
const (
	RuleNoDerivatives = "no-derivatives"
	RuleShareAlike    = "share-alike"
	RuleNonCommercial = "non-commercial"
)

// Violation is a derivative that its parent's licence forbids.
type Violation struct {
	// Rule is RuleNoDerivatives, RuleShareAlike or RuleNonCommercial.
	Rule string
	// Parent is the digest of the resource derived from; ParentLicense and
	// ChildLicense the SPDX ids of the parent and of the derivative.
	Parent        string
	ParentLicense string
	ChildLicense  string
}

func (v *Violation) Error() string {
	switch v.Rule {
	case RuleNoDerivatives:
		return fmt.Sprintf("licence rule %s: parent resource %s is %s, which allows no derivative", v.Rule, v.Parent, v.ParentLicense)
	case RuleShareAlike:
		allowed := v.ParentLicense
		if l, err := Lookup(v.ParentLicense); err == nil && len(l.LaterOrCompatible) > 0 {
			allowed += " or a licence its text allows (" + strings.Join(l.LaterOrCompatible, ", ") + ")"
		}
		return fmt.Sprintf("licence rule %s: parent resource %s is %s, so a derivative must keep %s, not %s", v.Rule, v.Parent, v.ParentLicense, allowed, v.ChildLicense)
	default:
		return fmt.Sprintf("licence rule %s: parent resource %s is %s, so a derivative must stay non-commercial, and %s is not", v.Rule, v.Parent, v.ParentLicense, v.ChildLicense)
	}
}

// CheckDerivative reports, as a *Violation, whether a resource under child
// may derive from the resource parentDigest under parent. Rules are checked
// in this order: no derivatives, share alike, non-commercial.
func CheckDerivative(parentDigest string, parent, child License) error {
	v := &Violation{Parent: parentDigest, ParentLicense: parent.ID, ChildLicense: child.ID}
	switch {
	case parent.NoDerivatives:
		v.Rule = RuleNoDerivatives
	case parent.ShareAlike && child.ID != parent.ID && !slices.Contains(parent.LaterOrCompatible, child.ID):
		v.Rule = RuleShareAlike
	case parent.NonCommercial && !child.NonCommercial:
		v.Rule = RuleNonCommercial
	default:
		return nil
	}
	return v
}
