package embedded

import (
	"bytes"
	"fmt"
	"regexp"
	"time"

	"github.com/sceau/sceau/network"
)

// Genesis holds the settings a ledger is created with. They live in its
// genesis block and never change.
type Genesis struct {
	// ChannelID is the channel every proposal must name (default "sceau").
	ChannelID string `json:"channelId"`
	// ChaincodeName is the chaincode every transaction runs (default "sceau").
	ChaincodeName string `json:"chaincodeName"`
	// GovernanceOrg is the org id of the governance organisation (default
	// "ministry"), GovernanceMSP its MSP ID ("MinistryMSP"). It is trusted
	// from the genesis block on, and signs every config change.
	GovernanceOrg string `json:"governanceOrg"`
	GovernanceMSP string `json:"governanceMspId"`
	// CreatedAt is when the ledger was created.
	CreatedAt time.Time `json:"createdAt"`
}

// The config system chaincode: proposals to it change which orgs the ledger
// trusts. Only the governance org may submit them.
const (
	configChaincode = "_config"
	// fnTrustOrg makes an org's CA trusted; its arguments are the org id,
	// its MSP ID and its CA certificate (PEM).
	fnTrustOrg = "TrustOrg"
)

var (
	// channelNamePattern is Fabric's rule for channel names.
	channelNamePattern = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,248}$`)
	// chaincodeNamePattern is Fabric's rule for chaincode names.
	chaincodeNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$`)
)

func validateGenesis(g Genesis) error {
	if !channelNamePattern.MatchString(g.ChannelID) {
		return fmt.Errorf("channel name %q: must be lowercase letters, digits, '.' and '-', starting with a letter, under 250 characters (Fabric's rule)", g.ChannelID)
	}
	if !chaincodeNamePattern.MatchString(g.ChaincodeName) {
		return fmt.Errorf("chaincode name %q: must be letters and digits, groups joined by single '-' or '_' (Fabric's rule)", g.ChaincodeName)
	}
	msp, err := MSPID(g.GovernanceOrg)
	if err != nil {
		return fmt.Errorf("governance org: %w", err)
	}
	if msp != g.GovernanceMSP {
		return fmt.Errorf("governance MSP ID %q is not the one derived from org %q (%q)", g.GovernanceMSP, g.GovernanceOrg, msp)
	}
	return nil
}

// evalTrustOrg runs a TrustOrg config proposal against the config state
// (lookup) and returns its write. A refusal is a *network.ContractError.
func evalTrustOrg(lookup func(mspID string) (*orgRecord, error), g Genesis, creatorMSP string, p *Proposal) (write, error) {
	refuse := func(format string, args ...any) (write, error) {
		return write{}, &network.ContractError{Function: p.Function, Message: fmt.Sprintf(format, args...)}
	}
	if p.Function != fnTrustOrg {
		return refuse("unknown config function %q", p.Function)
	}
	if creatorMSP != g.GovernanceMSP {
		return refuse("only the governance organisation (%s) may change the ledger configuration, not %s", g.GovernanceMSP, creatorMSP)
	}
	if len(p.Args) != 3 {
		return refuse("expects 3 arguments (org id, MSP ID, CA certificate), got %d", len(p.Args))
	}
	org, mspID, caPEM := p.Args[0], p.Args[1], []byte(p.Args[2])
	want, err := MSPID(org)
	if err != nil {
		return refuse("%v", err)
	}
	if mspID != want {
		return refuse("MSP ID %q is not the one derived from org %q (%q)", mspID, org, want)
	}
	ca, err := parseCACertPEM(caPEM)
	if err != nil {
		return refuse("the CA certificate of %s: %v", mspID, err)
	}
	current, err := lookup(mspID)
	if err != nil {
		return write{}, err
	}
	if current != nil {
		if current.Org != org {
			return refuse("MSP ID %s is already bound to org %q", mspID, current.Org)
		}
		if cur, err := parseCACertPEM(current.CACert); err == nil && bytes.Equal(cur.Raw, ca.Raw) {
			return refuse("org %q is already trusted with this CA", org)
		}
		return refuse("org %q is already trusted with another CA", org)
	}
	value, err := encodeOrgRecord(&orgRecord{Org: org, MSPID: mspID, CACert: caPEM})
	if err != nil {
		return write{}, err
	}
	return write{Key: []byte(mspID), Value: value}, nil
}
