package webtest

// Chromium for the browser tests: Debian's, headless, driven by chromedp
// against the real router. Screenshots go to test-artifacts/ at the module root.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Browser starts Debian's Chromium (headless, fresh profile) for one test;
// the test is skipped only when no Chromium is installed.
func Browser(t *testing.T) context.Context {
	t.Helper()
	path := ChromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.Env("LANGUAGE=zh_CN:zh", "LANG=zh_CN.UTF-8"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	if err := os.RemoveAll(artifactsDir(t)); err != nil { // only this run's pictures
		t.Fatal(err)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first run starts the browser; it must not carry the timeout.
	if err := chromedp.Do(bctx); err != nil {
		cancelC()
		cancelA()
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancelT := context.WithTimeout(bctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// Artifacts is where a browser test saves its screenshots, made if need
// be: test-artifacts/<test>/ at the module root.
func Artifacts(t *testing.T) string {
	t.Helper()
	dir := artifactsDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// artifactsDir is test-artifacts/<test>/ at the module root (the folder of
// go.mod, above the test's package).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "test-artifacts", t.Name())
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = up
	}
}

// Shot saves a full-page screenshot as name.png.
func Shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	save(t, ctx, name, chromedp.FullScreenshot(100))
}

// ShotView saves what the screen shows (for the phone, whose full-page
// capture Chromium does not finish under touch emulation).
func ShotView(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A focused text field under touch emulation can keep Chromium from
	// producing the frame a capture waits for: take the focus away first.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var e=document.activeElement; if(e&&e.blur&&e!==document.body){e.blur()} return true})()`)); err != nil {
		t.Logf("screenshot %s: the focus stays: %v", name, err) // an artifact, not a check (as save)
	}
	save(t, ctx, name, chromedp.CaptureScreenshot())
}

func save(t *testing.T, ctx context.Context, name string, a chromedp.Action[[]byte]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Logf("screenshot %s not saved: %v", name, err) // an artifact, not a check
		return
	}
	if err := os.WriteFile(filepath.Join(Artifacts(t), name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Run runs browser actions; a failure saves a screenshot and stops the test.
func Run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		Shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
}

// SignIn signs in through the login page with the keyboard.
func SignIn(t *testing.T, ctx context.Context, base, name, password string) {
	t.Helper()
	Run(t, ctx, "sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("password"), password+kb.Enter),
	)
	WaitFor(t, ctx, "nav.main-nav")
}

// get runs an action that reads a value.
// Read runs one action that reads something (a text, a value) and returns
// it; a failure saves a screenshot and stops the test.
func Read[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		Shot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-"))
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// WaitFor waits until an element (a CSS selector) of the next page is
// there, by asking the page itself: after a click or Enter that navigates,
// a DOM query started on the old page may never see the new one.
func WaitFor(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	expr := fmt.Sprintf(`document.readyState === "complete" && !!document.querySelector(%q)`, css)
	for i := 0; i < 600; i++ {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		} else if ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	Shot(t, ctx, "failed-wait")
	t.Fatalf("the page never showed %s", css)
}

// ChromiumPath finds Debian's chromium. Without it the browser tests skip on
// a developer's machine, but fail under CI, where scripts/test.sh installs it.
func ChromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed: scripts/test.sh should have installed it")
	}
	t.Skip("chromium is not installed (scripts/test.sh installs it)")
	return ""
}
