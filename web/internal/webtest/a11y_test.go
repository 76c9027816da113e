package webtest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestA11yCheckerCatches runs the checker over known-bad snippets: each must
// be caught, and a good page must pass.
func TestA11yCheckerCatches(t *testing.T) {
	const host = "127.0.0.1:1"
	page := func(body string) string {
		return `<!doctype html><html lang="zh-CN"><head><title>页面</title></head><body>` + body + `</body></html>`
	}
	good := page(`<a class="skip" href="#main">跳到正文</a><main id="main" tabindex="-1">
<form method="post" action="/topics/new"><input type="hidden" name="csrf" value="x">
<label for="title">标题</label><input id="title" name="title">
<label>年度 <select name="y"><option>2027</option></select></label>
<textarea name="m" aria-label="纪要"></textarea><span id="l1">金额</span><input name="a" aria-labelledby="l1" aria-describedby="l1">
<input type="submit" value="保存"><button type="submit"><img src="/static/x.png" alt="保存"></button></form>
<img src="data:image/png;base64,AA==" alt=""><a href="/topics?x=1" aria-label="事项"></a></main>`)
	doc, _ := html.Parse(strings.NewReader(good))
	if got := Issues(doc, host, true); len(got) != 0 {
		t.Errorf("a good page has problems: %q", got)
	}
	for want, body := range map[string]string{
		"form field without a label":  `<input id="x" name="x">`,
		"label for=\"y\" names no":    `<label for="y">名称</label><input id="x" name="x" aria-label="x">`,
		"duplicate id":                `<p id="a">1</p><p id="a">2</p>`,
		"image without alt":           `<img src="/static/x.png">`,
		"button without text":         `<button type="submit"> </button>`,
		"link without text":           `<a href="/topics"><img src="/x.png" alt=""></a>`,
		"POST form without the csrf":  `<form method="post" action="/x"><button>保存</button></form>`,
		"positive tabindex":           `<a href="/x" tabindex="2">x</a>`,
		"src refers to another host":  `<script src="https://cdn.example.com/x.js"></script>`,
		"href refers to another host": `<a href="//evil.example/">x</a>`,
		"aria-labelledby names id":    `<input name="x" aria-labelledby="nope">`,
		"aria-describedby names id":   `<input name="x" aria-label="x" aria-describedby="err-x">`,
		"select":                      `<select name="s"><option>1</option></select>`,
		"textarea":                    `<label for="other">备注</label><textarea id="t" name="t"></textarea><input id="other" aria-label="o">`,
		"error message that no field": `<label for="x">名称</label><input id="x" name="x"><p class="field-error" id="err-x">必填</p>`,
		"aria-invalid without":        `<label for="x">名称</label><input id="x" name="x" aria-invalid="true">`,
		"radio group \"r\" without":   `<label><input type="radio" name="r" value="1"> 满意</label><label><input type="radio" name="r" value="2"> 不满意</label>`,
	} {
		doc, _ := html.Parse(strings.NewReader(page(body)))
		got := strings.Join(Issues(doc, host, true), "\n")
		if !strings.Contains(got, want) {
			t.Errorf("checker misses %q in %s; it says:\n%s", want, body, got)
		}
	}
	doc, _ = html.Parse(strings.NewReader(`<html><head><title> · 联系点</title></head><body></body></html>`))
	if got := strings.Join(Issues(doc, host, false), "\n"); !strings.Contains(got, "no lang") || !strings.Contains(got, "<title> is empty") {
		t.Errorf("checker misses a missing lang or title: %s", got)
	}
}
