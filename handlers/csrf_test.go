package handlers_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/models"
)

// TestCheckCSRF: the one check of the API and the pages, over every way a
// token comes (header, form field, none) and both kinds of credentials.
func TestCheckCSRF(t *testing.T) {
	cookie := db.Session{Kind: db.TokenSession, CSRF: "the-token"}
	noToken := db.Session{Kind: db.TokenSession} // a session without a token must not match an empty one
	bearer := db.Session{Kind: db.TokenAPI}
	for _, tc := range []struct {
		name           string
		sess           db.Session
		method, header string
		form           url.Values
		ok             bool
	}{
		{"GET needs none", cookie, "GET", "", nil, true},
		{"HEAD needs none", cookie, "HEAD", "", nil, true},
		{"header", cookie, "POST", "the-token", nil, true},
		{"form field", cookie, "POST", "", url.Values{"csrf": {"the-token"}}, true},
		{"missing", cookie, "POST", "", nil, false},
		{"empty form field", cookie, "POST", "", url.Values{"csrf": {""}}, false},
		{"wrong header", cookie, "PATCH", "not-the-token", nil, false},
		{"wrong form field", cookie, "POST", "", url.Values{"csrf": {"the-toke"}}, false},
		{"a wrong header is not saved by a right field", cookie, "POST", "wrong", url.Values{"csrf": {"the-token"}}, false},
		{"empty against a session without token", noToken, "POST", "", url.Values{"csrf": {""}}, false},
		{"bearer token needs none", bearer, "DELETE", "", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body *strings.Reader
			if tc.form != nil {
				body = strings.NewReader(tc.form.Encode())
			} else {
				body = strings.NewReader("")
			}
			req := httptest.NewRequest(tc.method, "/x", body)
			if tc.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tc.header != "" {
				req.Header.Set("X-CSRF-Token", tc.header)
			}
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = req
			err := handlers.CheckCSRF(c, tc.sess)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && models.ErrorCode(err) != models.EForbidden {
				t.Fatalf("got %v, want forbidden", err)
			}
			if !tc.ok && models.ErrorCode(err) == models.EForbidden && !strings.Contains(err.Error(), " / ") {
				t.Errorf("message %q is not “中文 / English”", err)
			}
		})
	}
}
