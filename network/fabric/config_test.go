package fabric

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validConfig = `{
  "channel": "sceau",
  "chaincode": "sceau",
  "defaultReader": "ministry",
  "orgs": {
    "ministry": {
      "mspId": "MinistryMSP",
      "peerEndpoint": "127.0.0.1:7060",
      "serverNameOverride": "peer0.ministry.sceau.test",
      "tlsCACert": "crypto/ministry/ca.crt",
      "certificate": "crypto/ministry/cert.pem",
      "privateKey": "/keys/ministry/priv_sk"
    },
    "pix": {
      "mspId": "PixMSP",
      "peerEndpoint": "127.0.0.1:7080",
      "tlsCACert": "../pix/ca.crt",
      "certificate": "pix/cert.pem",
      "privateKey": "pix/priv_sk"
    }
  },
  "timeouts": {"evaluate": "3s", "commitStatus": "2m"}
}`

func TestParseConfigResolvesPathsAndDefaults(t *testing.T) {
	base := filepath.Join(string(filepath.Separator), "etc", "sceau")
	cfg, err := ParseConfig([]byte(validConfig), base)
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.Channel != "sceau" || cfg.Chaincode != "sceau" || cfg.DefaultReader != "ministry" {
		t.Errorf("channel, chaincode, defaultReader = %q, %q, %q", cfg.Channel, cfg.Chaincode, cfg.DefaultReader)
	}
	ministry := cfg.Orgs["ministry"]
	want := OrgConfig{
		MSPID:              "MinistryMSP",
		PeerEndpoint:       "127.0.0.1:7060",
		ServerNameOverride: "peer0.ministry.sceau.test",
		TLSCACert:          filepath.Join(base, "crypto", "ministry", "ca.crt"),
		Certificate:        filepath.Join(base, "crypto", "ministry", "cert.pem"),
		PrivateKey:         filepath.Join(string(filepath.Separator), "keys", "ministry", "priv_sk"),
	}
	if ministry != want {
		t.Errorf("orgs.ministry = %+v, want %+v", ministry, want)
	}
	if got, want := cfg.Orgs["pix"].TLSCACert, filepath.Join(string(filepath.Separator), "etc", "pix", "ca.crt"); got != want {
		t.Errorf("orgs.pix.tlsCACert = %q, want %q", got, want)
	}
	wantTimeouts := Timeouts{Evaluate: 3 * time.Second, Endorse: DefaultTimeouts.Endorse, Submit: DefaultTimeouts.Submit, CommitStatus: 2 * time.Minute}
	if cfg.Timeouts != wantTimeouts {
		t.Errorf("timeouts = %+v, want %+v", cfg.Timeouts, wantTimeouts)
	}
}

func TestParseConfigSingleOrgIsDefaultReader(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"channel":"c","chaincode":"cc","orgs":{"pix":{
		"mspId":"PixMSP","peerEndpoint":"h:1","tlsCACert":"a","certificate":"b","privateKey":"c"}}}`), "/base")
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	if cfg.DefaultReader != "pix" {
		t.Errorf("defaultReader = %q, want pix", cfg.DefaultReader)
	}
	if cfg.Timeouts != DefaultTimeouts {
		t.Errorf("timeouts = %+v, want the defaults %+v", cfg.Timeouts, DefaultTimeouts)
	}
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(string) string
		wants []string // substrings of the error
	}{
		{
			name:  "missing channel",
			edit:  func(s string) string { return strings.Replace(s, `"channel": "sceau",`, "", 1) },
			wants: []string{"missing required fields: channel"},
		},
		{
			name:  "missing chaincode",
			edit:  func(s string) string { return strings.Replace(s, `"chaincode": "sceau",`, "", 1) },
			wants: []string{"chaincode"},
		},
		{
			name: "missing org fields are all named",
			edit: func(s string) string {
				s = strings.Replace(s, `"peerEndpoint": "127.0.0.1:7080",`, "", 1)
				return strings.Replace(s, `"mspId": "MinistryMSP",`, "", 1)
			},
			wants: []string{"orgs.ministry.mspId", "orgs.pix.peerEndpoint"},
		},
		{
			name: "empty private key",
			edit: func(s string) string {
				return strings.Replace(s, `"privateKey": "pix/priv_sk"`, `"privateKey": " "`, 1)
			},
			wants: []string{"orgs.pix.privateKey"},
		},
		{
			name:  "no orgs",
			edit:  func(string) string { return `{"channel":"c","chaincode":"cc","orgs":{}}` },
			wants: []string{"missing required fields: orgs"},
		},
		{
			name: "default reader not listed",
			edit: func(s string) string {
				return strings.Replace(s, `"defaultReader": "ministry"`, `"defaultReader": "examoffice"`, 1)
			},
			wants: []string{"defaultReader", `"examoffice"`, "ministry, pix"},
		},
		{
			name:  "default reader missing with several orgs",
			edit:  func(s string) string { return strings.Replace(s, `"defaultReader": "ministry",`, "", 1) },
			wants: []string{"defaultReader: required"},
		},
		{
			name:  "misspelt field",
			edit:  func(s string) string { return strings.Replace(s, `"mspId": "PixMSP"`, `"msp_id": "PixMSP"`, 1) },
			wants: []string{`unknown field "msp_id"`},
		},
		{
			name:  "bad duration",
			edit:  func(s string) string { return strings.Replace(s, `"evaluate": "3s"`, `"evaluate": "soon"`, 1) },
			wants: []string{"timeouts.evaluate"},
		},
		{
			name:  "negative duration",
			edit:  func(s string) string { return strings.Replace(s, `"commitStatus": "2m"`, `"commitStatus": "-2m"`, 1) },
			wants: []string{"timeouts.commitStatus", "not a positive duration"},
		},
		{
			name:  "trailing data",
			edit:  func(s string) string { return s + ` {}` },
			wants: []string{"after the config object"},
		},
		{
			name:  "not JSON",
			edit:  func(string) string { return "channel: sceau" },
			wants: []string{"decoding JSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.edit(validConfig)), "/base")
			if err == nil {
				t.Fatal("ParseConfig accepted the config")
			}
			for _, want := range tt.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestLoadConfigResolvesAgainstTheFilesDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ledger.json")
	if err := os.WriteFile(path, []byte(validConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if got, want := cfg.Orgs["pix"].Certificate, filepath.Join(dir, "pix", "cert.pem"); got != want {
		t.Errorf("orgs.pix.certificate = %q, want %q", got, want)
	}

	_, err = LoadConfig(filepath.Join(dir, "absent.json"))
	if err == nil || !strings.Contains(err.Error(), "absent.json") {
		t.Errorf("LoadConfig of a missing file: error %v does not name the file", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(validConfig))
	f.Add([]byte(`{"channel":"c","chaincode":"cc","orgs":{"":{}}}`))
	f.Add([]byte(`{"timeouts":{"evaluate":"1ns"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "/base")
		if err != nil {
			return
		}
		if _, ok := cfg.Orgs[cfg.DefaultReader]; !ok {
			t.Errorf("accepted config whose default reader %q is not an org", cfg.DefaultReader)
		}
		for id, org := range cfg.Orgs {
			for _, p := range []string{org.TLSCACert, org.Certificate, org.PrivateKey} {
				if !filepath.IsAbs(p) {
					t.Errorf("org %s: path %q was not resolved", id, p)
				}
			}
		}
		for _, d := range []time.Duration{cfg.Timeouts.Evaluate, cfg.Timeouts.Endorse, cfg.Timeouts.Submit, cfg.Timeouts.CommitStatus} {
			if d <= 0 {
				t.Errorf("accepted a non-positive timeout: %+v", cfg.Timeouts)
			}
		}
	})
}
