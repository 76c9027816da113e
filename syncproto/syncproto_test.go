package syncproto

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSignMatchesTheContract(t *testing.T) {
	const secret, stamp = "secret-hongta-0123456789", "2026-11-27T09:30:00+08:00"
	body := []byte(`{"batch_id":"x"}`)
	// Version 2: hex(HMAC-SHA256(secret, ts "\n" METHOD "\n" URI "\n" point "\n" body)), computed with openssl.
	for _, c := range []struct{ method, uri, point, body, want string }{
		{"POST", PathBatches, "hongta", string(body), "974c64379e5bf6f9aec621c2868848a3828881572bd747b749aefcbe02efba4d"},
		{"GET", PathUpdates + "?since=42", "hongta", "", "a00296d4993c43c50707631b003758edfab047556a98c2eba346613f54bbfca9"},
	} {
		if got := Sign(secret, stamp, c.method, c.uri, c.point, []byte(c.body)); got != c.want {
			t.Errorf("Sign %s %s = %s, want %s", c.method, c.uri, got, c.want)
		}
	}
	// Version 1: over the path only, without the point (685ff… computed with openssl).
	if got := SignV1(secret, stamp, "POST", PathBatches, body); got != "685ff079617d75939a53755d737f2a753b4cc579debf46ec8372d091c130b370" {
		t.Fatalf("SignV1 = %s", got)
	}

	// Verify over whole requests: what a point sends passes; any change of
	// the query, the point, the body, the secret, the time or the version fails.
	signed := func(method, target string, b []byte, v1 bool) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		if v1 {
			SignRequestV1(r, "hongta", secret, b, time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC))
		} else {
			SignRequest(r, "hongta", secret, b, time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC))
		}
		return r
	}
	if v, ok := Verify(secret, signed("GET", PathUpdates+"?since=42", nil, false), nil); v != 2 || !ok {
		t.Fatalf("a version 2 pull: version %d, ok %v", v, ok)
	}
	if v, ok := Verify(secret, signed("POST", PathBatches, body, true), body); v != 1 || !ok {
		t.Fatalf("a version 1 batch: version %d, ok %v", v, ok)
	}
	for name, r := range map[string]func() (*http.Request, []byte, string){
		"other since": func() (*http.Request, []byte, string) {
			r := signed("GET", PathUpdates+"?since=42", nil, false)
			r.URL.RawQuery = "since=0"
			return r, nil, secret
		},
		"other point": func() (*http.Request, []byte, string) {
			r := signed("POST", PathBatches, body, false)
			r.Header.Set(HeaderPointID, "tonghai")
			return r, body, secret
		},
		"other body": func() (*http.Request, []byte, string) {
			return signed("POST", PathBatches, body, false), []byte(`{"batch_id":"y"}`), secret
		},
		"other secret": func() (*http.Request, []byte, string) {
			return signed("POST", PathBatches, body, false), body, "secret-tonghai-0123456789"
		},
		"other time": func() (*http.Request, []byte, string) {
			r := signed("POST", PathBatches, body, false)
			r.Header.Set(HeaderTimestamp, "2026-11-27T09:30:01+08:00")
			return r, body, secret
		},
		"version 2 claimed by a version 1 signature": func() (*http.Request, []byte, string) {
			r := signed("POST", PathBatches, body, true)
			r.Header.Set(HeaderSignatureVersion, "2")
			return r, body, secret
		},
		"not hex": func() (*http.Request, []byte, string) {
			r := signed("POST", PathBatches, body, false)
			r.Header.Set(HeaderSignature, "zz")
			return r, body, secret
		},
		"an unknown version": func() (*http.Request, []byte, string) {
			r := signed("POST", PathBatches, body, false)
			r.Header.Set(HeaderSignatureVersion, "3")
			return r, body, secret
		},
	} {
		req, b, sec := r()
		if _, ok := Verify(sec, req, b); ok {
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
