package webtest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Site is a server under test (a real router with its pages, over HTTP).
type Site struct {
	URL string
	// Password is the password of every login the test made.
	Password string
}

// Host is the host:port of the server, for CheckPage.
func (s *Site) Host() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return u.Host
}

// Client is a browser-like client: cookies kept, redirects not followed.
func (s *Site) Client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// CSRFRe finds the csrf hidden field of a page.
var CSRFRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// Login signs a user in through the login form and returns the client.
func (s *Site) Login(t *testing.T, name string) *http.Client {
	t.Helper()
	return s.LoginWith(t, name, s.Password)
}

// LoginWith signs name in through the login page with password.
func (s *Site) LoginWith(t *testing.T, name, password string) *http.Client {
	t.Helper()
	c := s.Client(t)
	m := CSRFRe.FindStringSubmatch(s.Get(t, c, "/login", http.StatusOK))
	if m == nil {
		t.Fatal("login page has no csrf field")
	}
	res, _ := s.Post(t, c, "/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}, "next": {"/"}}, 0)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", name, res.StatusCode)
	}
	return c
}

// English makes the client ask for English pages: the remembered language
// switch (cookie, with the value "en"), set in its jar without the GET that
// sets it.
func (s *Site) English(t *testing.T, c *http.Client, cookie string) {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar.SetCookies(u, []*http.Cookie{{Name: cookie, Value: "en", Path: "/"}})
}

// Get fetches a path and checks its status (0: any), returning the body.
func (s *Site) Get(t *testing.T, c *http.Client, path string, want int) string {
	t.Helper()
	res, err := c.Get(s.URL + path)
	_, body := answered(t, "GET "+path, res, err, want)
	return body
}

// Post submits a form and checks its status (0: any), returning the
// response (body read) and the body.
func (s *Site) Post(t *testing.T, c *http.Client, path string, form url.Values, want int) (*http.Response, string) {
	t.Helper()
	res, err := c.PostForm(s.URL+path, form)
	return answered(t, "POST "+path, res, err, want)
}

// answered reads the body of a request's answer and checks its status.
func answered(t *testing.T, what string, res *http.Response, err error, want int) (*http.Response, string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	defer CloseBody(t, res)
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if want != 0 && res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, want, Truncate(string(b)))
	}
	return res, string(b)
}

// ReadAll reads and closes a response's body; a body that cannot be read
// fails the test.
func ReadAll(t *testing.T, res *http.Response) string {
	t.Helper()
	defer CloseBody(t, res)
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	return string(b)
}

// CloseBody closes a response's body; an error closing it fails the test.
func CloseBody(t *testing.T, res *http.Response) {
	t.Helper()
	if err := res.Body.Close(); err != nil {
		t.Errorf("closing the body of %s %s: %v", res.Request.Method, res.Request.URL.Path, err)
	}
}

// Truncate shortens a page for a failure message.
func Truncate(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// MustContain fails (without stopping) for each part the body lacks.
func MustContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("page does not contain %q\n%s", p, Truncate(body))
		}
	}
}

// MustNotContain fails the test for each part the page contains.
func MustNotContain(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("page contains %q\n%s", p, Truncate(body))
		}
	}
}
