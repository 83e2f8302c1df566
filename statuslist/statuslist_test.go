package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/sceau/sceau/credential"
)

// The IETF draft's example (section 4.1): statuses 1,0,0,1,1,1,0,1 then
// 1,1,0,0,0,1,0,1 at 1 bit pack as 0xB9 0xA3; here at 2 bits, index 0 is
// the low bits of byte 0.
func TestIETFBitOrder(t *testing.T) {
	s, err := NewStatuses(0)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range map[int]byte{0: Invalid, 1: Suspended, 3: Invalid, 5: Suspended} {
		if err := s.Set(i, v); err != nil {
			t.Fatal(err)
		}
	}
	b := s.ietfBytes()
	if b[0] != 0b01_00_10_01 || b[1] != 0b00_00_10_00 {
		t.Fatalf("packed bytes %08b %08b", b[0], b[1])
	}
	lst, err := s.EncodeIETF()
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeIETF(lst, IETFBits)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{Invalid, Suspended, Valid, Invalid, Valid, Suspended, Valid} {
		if got, _ := back.Get(i); got != want {
			t.Errorf("index %d: %d, want %d", i, got, want)
		}
	}
}

func TestBitstringOrderAndPurposes(t *testing.T) {
	s, _ := NewStatuses(0)
	s.Set(0, Invalid)
	s.Set(9, Suspended)
	s.Set(MinEntries-1, Invalid)
	rev := s.bitstring(Invalid)
	if rev[0] != 0x80 || rev[len(rev)-1] != 0x01 || rev[1] != 0 {
		t.Fatalf("revocation bits: first %08b last %08b", rev[0], rev[len(rev)-1])
	}
	enc, err := s.EncodeBitstring(PurposeSuspension)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := DecodeBitstring(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != MinEntries || !bits[9] || bits[0] {
		t.Fatalf("suspension list: %d entries, bit 9 %v, bit 0 %v", len(bits), bits[9], bits[0])
	}
}

func TestDecodeRefusesBombsAndShortLists(t *testing.T) {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(make([]byte, MaxEntries/4+1))
	w.Close()
	if _, err := DecodeIETF(base64.RawURLEncoding.EncodeToString(buf.Bytes()), 2); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("bomb: %v", err)
	}
	if _, err := DecodeBitstring("H4sI"); err == nil {
		t.Error("a list that is not multibase base64url was read")
	}
	short, _ := NewStatuses(0)
	short.values = short.values[:800]
	enc, _ := short.EncodeBitstring(PurposeRevocation)
	if _, err := DecodeBitstring(enc); err == nil || !strings.Contains(err.Error(), "fewer than") {
		t.Errorf("short list: %v", err)
	}
}

func TestSignParseVerify(t *testing.T) {
	key, err := credential.GenerateKey(credential.EdDSA)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := credential.GenerateKey(credential.EdDSA)
	s, _ := NewStatuses(0)
	s.Set(4242, Invalid)
	s.Set(77, Suspended)
	now := time.Date(2026, 12, 7, 4, 0, 0, 0, time.UTC)
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			l := &List{Kind: kind, URI: ListURI("https://verify.example", "examoffice", kind), Issuer: "urn:sceau:issuer:examoffice",
				IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour), TTL: time.Minute, Statuses: s}
			compact, err := Sign(l, key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(compact)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.Verify(key.Public()); err != nil {
				t.Fatal(err)
			}
			if err := got.Verify(other.Public()); err == nil {
				t.Fatal("verified with another key")
			}
			if got.Kind != kind || got.URI != l.URI || !got.IssuedAt.Equal(now) || !got.ExpiresAt.Equal(l.ExpiresAt) || got.TTL != time.Minute {
				t.Fatalf("read back %+v", got.List)
			}
			revoked, _ := got.Statuses.Get(4242)
			suspended, _ := got.Statuses.Get(77)
			if kind != KindSuspension && revoked != Invalid {
				t.Errorf("4242 reads %d, want invalid", revoked)
			}
			if kind != KindRevocation && suspended != Suspended {
				t.Errorf("77 reads %d, want suspended", suspended)
			}
			tampered := compact[:len(compact)-4] + "AAAA"
			if p, err := Parse(tampered); err == nil && p.Verify(key.Public()) == nil {
				t.Error("a tampered list verified")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	key, _ := credential.GenerateKey(credential.ES256)
	s, _ := NewStatuses(0)
	now := time.Unix(1_800_000_000, 0).UTC()
	for _, kind := range Kinds() {
		c, _ := Sign(&List{Kind: kind, URI: "https://x/status/a/" + kind, Issuer: "urn:sceau:issuer:a", IssuedAt: now, ExpiresAt: now.Add(time.Hour), Statuses: s}, key)
		f.Add(c)
	}
	f.Add("e30.e30.AA")
	f.Fuzz(func(t *testing.T, compact string) {
		if l, err := Parse(compact); err == nil {
			if l.Statuses == nil || l.Statuses.Len() > MaxEntries {
				t.Fatalf("parsed a list of no or too many entries")
			}
		}
	})
}
