package secret

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestSealOpenRoundTripAndWrongPassphrase(t *testing.T) {
	plain := []byte(`{"kty":"EC","d":"secret"}`)
	sealed, err := Seal(plain, "correct horse", 10)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("sealed data contains the plaintext")
	}
	got, err := Open(sealed, "correct horse", 1<<20)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := Open(sealed, "wrong", 1<<20); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: got %v, want ErrWrongPassphrase", err)
	}
	if _, err := Open(sealed, "correct horse", 4); err == nil {
		t.Fatal("want an error above maxSize")
	}
}

func TestGetPrefersEnvironmentAndNeverPromptsWithoutTerminal(t *testing.T) {
	env := map[string]string{"SCEAU_TEST_PASS": "from-env"}
	notTTY, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer notTTY.Close()
	src := Source{EnvVar: "SCEAU_TEST_PASS", Getenv: func(k string) string { return env[k] }, Terminal: notTTY}
	if p, err := src.Get("test", false); err != nil || p != "from-env" {
		t.Fatalf("Get = %q, %v", p, err)
	}
	delete(env, "SCEAU_TEST_PASS")
	_, err = src.Get("test", false)
	if !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("got %v, want ErrNoPassphrase", err)
	}
	if want := "SCEAU_TEST_PASS"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name %s", err, want)
	}
}
