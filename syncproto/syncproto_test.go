package syncproto

import (
	"errors"
	"testing"
	"time"
)

func TestSignMatchesTheContract(t *testing.T) {
	// hex(HMAC-SHA256(secret, ts "\n" METHOD "\n" PATH "\n" body)), computed with openssl.
	const want = "685ff079617d75939a53755d737f2a753b4cc579debf46ec8372d091c130b370"
	body := []byte(`{"batch_id":"x"}`)
	got := Sign("secret-hongta-0123456789", "2026-11-27T09:30:00+08:00", "POST", PathBatches, body)
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if !Verify("secret-hongta-0123456789", "2026-11-27T09:30:00+08:00", "POST", PathBatches, body, want) {
		t.Fatal("Verify refused the right signature")
	}
	for name, ok := range map[string]bool{
		"other body":   Verify("secret-hongta-0123456789", "2026-11-27T09:30:00+08:00", "POST", PathBatches, []byte(`{"batch_id":"y"}`), want),
		"other secret": Verify("secret-tonghai-0123456789", "2026-11-27T09:30:00+08:00", "POST", PathBatches, body, want),
		"other time":   Verify("secret-hongta-0123456789", "2026-11-27T09:30:01+08:00", "POST", PathBatches, body, want),
		"not hex":      Verify("secret-hongta-0123456789", "2026-11-27T09:30:00+08:00", "POST", PathBatches, body, "zz"),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	for ts, want := range map[string]error{
		"2026-11-27T09:30:00+08:00": nil,
		"2026-11-27T09:39:59+08:00": nil,
		"2026-11-27T09:20:01+08:00": nil,
		"2026-11-27T09:41:00+08:00": ErrOutOfWindow,
		"2026-11-27T01:19:00Z":      ErrOutOfWindow,
		"2026-11-27 09:30:00":       ErrBadTimestamp,
		"":                          ErrNoTimestamp,
	} {
		if err := CheckTimestamp(ts, now); !errors.Is(err, want) && !(want == nil && err == nil) {
			t.Errorf("%q: %v, want %v", ts, err, want)
		}
	}
}
