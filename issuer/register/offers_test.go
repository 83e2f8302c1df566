package register

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOffersAreKeptSealedEditedPurgedAndForgotten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "register.db")
	r := openTest(t, path, keyA.as("kidA"))
	helene := diploma("070123456AB", "Baccalauréat général", "juin 2025", "2025-07-04")
	paul := diploma("070123456AC", "Baccalauréat général", "juin 2025", "2025-07-04")
	if err := r.Anchored("b1", []Entry{entry("urn:uuid:1", helene, "b1"), entry("urn:uuid:2", paul, "b1")}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	secretJWT := "eyJhbGciOiJFUzI1NiJ9.SECRET-HELENE-PAYLOAD.sig"
	offer := Offer{CredentialID: "urn:uuid:1", StudentID: "070123456AB", Type: "Diploma", Credential: secretJWT,
		Created: now.Unix(), Expires: now.Add(time.Hour).Unix(), RetainUntil: now.Add(time.Hour).Unix()}
	if err := r.PutOffer("code-helene", "123456", offer); err != nil {
		t.Fatal(err)
	}
	if err := r.PutOffer("code-helene", "654321", offer); err == nil {
		t.Error("the same code filed twice")
	}
	old := offer
	old.StudentID, old.CredentialID, old.RetainUntil = "070123456AC", "urn:uuid:2", now.Add(-time.Minute).Unix()
	if err := r.PutOffer("code-paul", "000000", old); err != nil {
		t.Fatal(err)
	}

	// A new offer of the same credential closes the earlier one.
	if err := r.PutOffer("code-helene-2", "111111", offer); err != nil {
		t.Fatal(err)
	}
	r.EditOffer("code-helene", func(o *Offer) error {
		if !o.Dead {
			t.Error("an earlier offer of the same credential is still open")
		}
		o.Dead = false // for what follows
		return nil
	})
	r.EditOffer("code-helene-2", func(o *Offer) error {
		if o.Dead {
			t.Error("the new offer is closed")
		}
		return nil
	})

	// A wrong code counts a try, kept even though fn fails.
	wrong := errors.New("wrong code")
	err := r.EditOffer("code-helene", func(o *Offer) error {
		if r.TxCodeMatches("code-helene", "999999", o) {
			t.Error("a wrong transaction code matches")
		}
		if !r.TxCodeMatches("code-helene", "123456", o) {
			t.Error("the right transaction code does not match")
		}
		o.Tries++
		return wrong
	})
	if !errors.Is(err, wrong) {
		t.Fatalf("EditOffer: %v, want fn's error", err)
	}
	if err := r.EditOffer("code-helene", func(o *Offer) error {
		if o.Tries != 1 || o.Credential != secretJWT {
			t.Errorf("offer read back: %+v", o)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := r.EditOffer("no-such-code", func(*Offer) error { t.Error("fn called"); return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown code: %v", err)
	}

	// Nothing of the offer is in clear in the file.
	r.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, clear := range []string{"SECRET-HELENE", "code-helene", "123456", "070123456AB"} {
		if bytes.Contains(data, []byte(clear)) {
			t.Errorf("the file holds %q in clear", clear)
		}
	}
	r = openTest(t, path, keyA.as("kidA"))

	// Retention: Paul's offer, past it, is erased; Hélène's is not, but
	// once redeemed and spent, its credential is.
	r.EditOffer("code-helene-2", func(o *Offer) error { o.Redeemed = now.Add(-time.Hour).Unix(); return nil })
	if n, err := r.PurgeOffers(now, now.Add(-10*time.Minute)); err != nil || n != 1 {
		t.Fatalf("PurgeOffers: %d, %v; want 1", n, err)
	}
	r.EditOffer("code-helene-2", func(o *Offer) error {
		if o.Credential != "" {
			t.Error("a spent offer still holds its credential")
		}
		return nil
	})
	r.EditOffer("code-helene", func(o *Offer) error {
		if o.Credential != secretJWT {
			t.Error("an offer not redeemed lost its credential")
		}
		return nil
	})
	if err := r.EditOffer("code-paul", func(*Offer) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("a purged offer: %v", err)
	}

	// A later form is recorded on its credential.
	if err := r.AddForm("urn:uuid:1", "ab12"); err != nil {
		t.Fatal(err)
	}
	if e, _ := r.ByID("urn:uuid:1"); len(e.Forms) != 1 || e.Forms[0] != "ab12" {
		t.Errorf("forms: %+v", e)
	}
	if with, err := r.WithLaterForms(); err != nil || len(with) != 1 || with[0].ID != "urn:uuid:1" {
		t.Errorf("WithLaterForms: %+v, %v", with, err)
	}

	// Forgetting Hélène erases her entry and offer, and nobody else's.
	f, err := r.ForgetStudent("070123456AB")
	if err != nil || f.Credentials != 1 || f.Offers != 2 {
		t.Fatalf("ForgetStudent: %+v, %v", f, err)
	}
	if _, err := r.ByID("urn:uuid:1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a forgotten credential is still found: %v", err)
	}
	if got, _ := r.ByStudent("070123456AB"); len(got) != 0 {
		t.Errorf("a forgotten student has %d entries", len(got))
	}
	if cur, _ := r.Current(r.Key(AwardOf(helene))); cur != nil {
		t.Errorf("a forgotten award is still current: %+v", cur)
	}
	if err := r.EditOffer("code-helene", func(*Offer) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("a forgotten student's offer: %v", err)
	}
	if with, _ := r.WithLaterForms(); len(with) != 0 {
		t.Errorf("a forgotten entry still has later forms: %+v", with)
	}
	if e, err := r.ByID("urn:uuid:2"); err != nil || e.Award.StudentID != "070123456AC" {
		t.Errorf("another student's entry: %+v, %v", e, err)
	}
}
