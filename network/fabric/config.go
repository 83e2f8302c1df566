package fabric

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Config is a ledger config: which channel and chaincode to use, and the
// identity and peer of every organisation Sceau acts as. `up` writes one
// for the development network.
type Config struct {
	// Channel is the channel the Sceau chaincode runs on.
	Channel string
	// Chaincode is the name the chaincode was committed under.
	Chaincode string
	// DefaultReader is the org id whose identity evaluates queries made
	// without one.
	DefaultReader string
	// Orgs maps a Sceau org id ("ministry", "examoffice"…) to its identity.
	Orgs map[string]OrgConfig
	// Timeouts bound each step of a transaction.
	Timeouts Timeouts
}

// OrgConfig is one organisation's identity and the peer its requests go to.
// Paths are absolute once loaded.
type OrgConfig struct {
	// MSPID is the organisation's Fabric MSP ID.
	MSPID string
	// PeerEndpoint is the host:port of the peer's gateway.
	PeerEndpoint string
	// ServerNameOverride, when set, is the TLS server name expected from the
	// peer instead of PeerEndpoint's host.
	ServerNameOverride string
	// TLSCACert is the PEM file of the CA that signed the peer's TLS certificate.
	TLSCACert string
	// Certificate is the PEM file of the identity's X.509 certificate.
	Certificate string
	// PrivateKey is the PEM file of the identity's private key.
	PrivateKey string
}

// Timeouts bound each step of a transaction; the caller's context may
// end a step sooner.
type Timeouts struct {
	Evaluate     time.Duration
	Endorse      time.Duration
	Submit       time.Duration
	CommitStatus time.Duration
}

// DefaultTimeouts are used for the timeouts a ledger config leaves out.
var DefaultTimeouts = Timeouts{
	Evaluate:     10 * time.Second,
	Endorse:      30 * time.Second,
	Submit:       10 * time.Second,
	CommitStatus: time.Minute,
}

// configFile is the JSON form of a ledger config.
type configFile struct {
	Channel       string             `json:"channel"`
	Chaincode     string             `json:"chaincode"`
	DefaultReader string             `json:"defaultReader"`
	Orgs          map[string]orgFile `json:"orgs"`
	Timeouts      *timeoutsFile      `json:"timeouts"`
}

type orgFile struct {
	MSPID              string `json:"mspId"`
	PeerEndpoint       string `json:"peerEndpoint"`
	ServerNameOverride string `json:"serverNameOverride"`
	TLSCACert          string `json:"tlsCACert"`
	Certificate        string `json:"certificate"`
	PrivateKey         string `json:"privateKey"`
}

// timeoutsFile holds Go duration strings ("10s", "1m").
type timeoutsFile struct {
	Evaluate     string `json:"evaluate"`
	Endorse      string `json:"endorse"`
	Submit       string `json:"submit"`
	CommitStatus string `json:"commitStatus"`
}

// LoadConfig reads the ledger config file at path. Relative paths in it
// resolve against the file's directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the ledger config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("locating the ledger config %s: %w", path, err)
	}
	cfg, err := ParseConfig(data, filepath.Dir(abs))
	if err != nil {
		return nil, fmt.Errorf("ledger config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes a JSON ledger config and checks it. Relative paths
// resolve against baseDir. Unknown fields are refused, so that a misspelt
// field is reported rather than ignored.
func ParseConfig(data []byte, baseDir string) (*Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f configFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decoding JSON: unexpected data after the config object")
	}

	var missing []string
	require := func(field, value string) {
		if strings.TrimSpace(value) == "" {
			missing = append(missing, field)
		}
	}
	require("channel", f.Channel)
	require("chaincode", f.Chaincode)
	if len(f.Orgs) == 0 {
		missing = append(missing, "orgs")
	}
	ids := make([]string, 0, len(f.Orgs))
	for id := range f.Orgs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := f.Orgs[id]
		if strings.TrimSpace(id) == "" {
			return nil, errors.New(`orgs: an org id is empty`)
		}
		prefix := "orgs." + id + "."
		require(prefix+"mspId", o.MSPID)
		require(prefix+"peerEndpoint", o.PeerEndpoint)
		require(prefix+"tlsCACert", o.TLSCACert)
		require(prefix+"certificate", o.Certificate)
		require(prefix+"privateKey", o.PrivateKey)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required fields: %s", strings.Join(missing, ", "))
	}

	cfg := &Config{
		Channel:       f.Channel,
		Chaincode:     f.Chaincode,
		DefaultReader: f.DefaultReader,
		Orgs:          make(map[string]OrgConfig, len(f.Orgs)),
		Timeouts:      DefaultTimeouts,
	}
	_, readerListed := f.Orgs[cfg.DefaultReader]
	switch {
	case cfg.DefaultReader == "" && len(ids) == 1:
		cfg.DefaultReader = ids[0]
	case cfg.DefaultReader == "":
		return nil, fmt.Errorf("defaultReader: required when several orgs are listed (one of %s)", strings.Join(ids, ", "))
	case !readerListed:
		return nil, fmt.Errorf("defaultReader: %q is not one of the orgs (%s)", cfg.DefaultReader, strings.Join(ids, ", "))
	}
	resolve := func(p string) string {
		if filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(baseDir, p)
	}
	for _, id := range ids {
		o := f.Orgs[id]
		cfg.Orgs[id] = OrgConfig{
			MSPID:              o.MSPID,
			PeerEndpoint:       o.PeerEndpoint,
			ServerNameOverride: o.ServerNameOverride,
			TLSCACert:          resolve(o.TLSCACert),
			Certificate:        resolve(o.Certificate),
			PrivateKey:         resolve(o.PrivateKey),
		}
	}
	if f.Timeouts != nil {
		for _, t := range []struct {
			field string
			value string
			into  *time.Duration
		}{
			{"timeouts.evaluate", f.Timeouts.Evaluate, &cfg.Timeouts.Evaluate},
			{"timeouts.endorse", f.Timeouts.Endorse, &cfg.Timeouts.Endorse},
			{"timeouts.submit", f.Timeouts.Submit, &cfg.Timeouts.Submit},
			{"timeouts.commitStatus", f.Timeouts.CommitStatus, &cfg.Timeouts.CommitStatus},
		} {
			if t.value == "" {
				continue
			}
			d, err := time.ParseDuration(t.value)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.field, err)
			}
			if d <= 0 {
				return nil, fmt.Errorf("%s: %q is not a positive duration", t.field, t.value)
			}
			*t.into = d
		}
	}
	return cfg, nil
}
