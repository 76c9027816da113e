package e2e

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"budgetpoint/models"
)

// pages is a signed-in browser-like client of a server's pages (cookies,
// the sign-in form's CSRF field), to read what people see.
type pages struct {
	base string
	c    *http.Client
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in at base's sign-in page as name.
func signIn(t *testing.T, base, name, pw string) *pages {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	p := &pages{base: base, c: &http.Client{Jar: jar, Timeout: time.Minute}}
	body := p.get(t, "/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field on %s/login:\n%s", base, body)
	}
	res, err := p.c.PostForm(base+"/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.Contains(res.Request.URL.Path, "/login") {
		t.Fatalf("signing in as %s at %s: %d %s\n%s", name, base, res.StatusCode, res.Request.URL, b)
	}
	return p
}

// get reads a page (200) and returns its text with tags and entities gone,
// spaces folded.
func (p *pages) get(t *testing.T, path string) string {
	t.Helper()
	res, err := p.c.Get(p.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s%s: %d\n%s", p.base, path, res.StatusCode, b)
	}
	if path == "/login" {
		return string(b)
	}
	return pageText(string(b))
}

var tagRe = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]+>`)

func pageText(s string) string {
	s = html.UnescapeString(tagRe.ReplaceAllString(s, " "))
	return strings.Join(strings.Fields(s), " ")
}

// around returns the text of a page near the first place it says what, to
// check one opinion's story on a page listing several.
func around(text, what string) string {
	i := strings.Index(text, what)
	if i < 0 {
		return ""
	}
	end := min(len(text), i+1500)
	return text[i:end]
}

// loopDrill is the closed loop with real processes: an opinion raised by a
// deputy at a forum at tonghai travels up, is assigned to a unit, signed
// for, answered B, evaluated unsatisfied, reopened under supervision,
// answered A and closed satisfied; after each step and a sync the point's
// staff page and the deputy's 我提出的意见 tell that step.
func (c *cluster) loopDrill(t *testing.T) {
	tonghai := c.byID["tonghai"]
	dep := tonghai.deputies[0]
	runCLI(t, password+"\n", "user", "add", "--data", tonghai.dir, "--name", "dep-loop", "--role", "deputy", "--deputy-id", dep.ID)
	staff := signIn(t, tonghai.api.base, "staff1", password)
	deputy := signIn(t, tonghai.api.base, "dep-loop", password)

	content := "建议加快江川至通海公路的改造，雨季塌方路段要优先处理。" + uuid.NewString()[:8]
	tonghai.api.must(t, "POST", "/api/v1/activities", map[string]any{"id": uuid.NewString(), "kind": "forum", "topic_id": committeeTopic,
		"title": "2027年预算草案征求意见座谈会", "held_on": "2026-11-25", "location": "通海县人大常委会三楼会议室", "host": "县人大常委会",
		"participants": map[string]any{"deputies": 9, "public": 4, "other": 1}, "deputy_ids": []string{dep.ID},
		"opinions": []map[string]any{{"content": content, "proposer": map[string]any{"kind": "deputy", "deputy_id": dep.ID}}}}, nil, 201)

	// Up: the hub holds it.
	var id string
	waitFor(t, "the forum's opinion reaches the hub", convergeLimit, func() (bool, string) {
		c.syncRun(tonghai)
		var pg models.Page[models.Opinion]
		c.hubAPI.must(t, "GET", "/api/v1/committee/opinions?limit=500&point=tonghai", nil, &pg, 200)
		for _, o := range pg.Items {
			if o.Content == content {
				id = o.ID
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d opinions from tonghai", len(pg.Items))
	})

	// The unit and its login.
	c.hubAPI.must(t, "POST", "/api/v1/committee/units", map[string]any{"id": "jtj", "name": "市交通运输局", "kind": "department"}, nil, 201, 409)
	runCLI(t, password+"\n", c.hubArgs("user", "add", "--name", "jtj-loop", "--role", "unit", "--unit-id", "jtj")...)
	unit := client{base: c.hub.URL, token: strings.TrimSpace(runCLI(t, "", c.hubArgs("token", "create", "--user", "jtj-loop")...))}

	// seen syncs tonghai until its API shows the opinion as want says, then
	// checks the staff's page and the deputy's page for every phrase.
	seen := func(what string, want func(o models.Opinion) bool, phrases ...string) {
		t.Helper()
		waitFor(t, what+" reaches tonghai", convergeLimit, func() (bool, string) {
			c.syncRun(tonghai)
			var o models.Opinion
			tonghai.api.must(t, "GET", "/api/v1/opinions/"+id, nil, &o, 200)
			return want(o), fmt.Sprintf("%+v", o)
		})
		for who, pg := range map[string]*pages{"the staff's opinions page": staff, "the deputy's 我提出的意见": deputy} {
			path := "/opinions?topic=" + committeeTopic
			if pg == deputy {
				path = "/my/opinions"
			}
			story := around(pg.get(t, path), content)
			if story == "" {
				t.Fatalf("%s: %s does not list the opinion", what, who)
			}
			for _, p := range phrases {
				if !strings.Contains(story, p) {
					t.Errorf("%s: %s does not say %q:\n%s", what, who, p, story)
				}
			}
		}
	}

	var o models.Opinion
	c.hubAPI.must(t, "POST", "/api/v1/committee/opinions/"+id+"/assign", map[string]any{"lead": "jtj"}, &o, 200)
	due := o.Due
	seen("the assignment", func(o models.Opinion) bool {
		return o.Status == "forwarded" && o.LeadName == "市交通运输局" && o.Due == due
	},
		"已交办", "承办单位：市交通运输局", "办理期限："+due)

	unit.must(t, "POST", "/api/v1/unit/opinions/"+id+"/accept", nil, nil, 200)
	seen("the unit signing for it", func(o models.Opinion) bool { return o.Status == "accepted" }, "已签收", "市交通运输局")

	const replyB = "该路段已列入2027年普通国省道养护计划，雨季前完成塌方段处置。"
	unit.must(t, "POST", "/api/v1/unit/opinions/"+id+"/reply", map[string]any{"grade": "B", "content": replyB}, &o, 200)
	followUp := o.FollowUp
	seen("the B reply", func(o models.Opinion) bool { return o.Status == "answered" && o.Grade == "B" && o.Answer == replyB },
		"已答复", "B 类：正在解决", replyB, "跟踪日期："+followUp)

	c.hubAPI.must(t, "PATCH", "/api/v1/committee/opinions/"+id, map[string]any{"status": "closed", "evaluation": "unsatisfied"}, &o, 200)
	if o.Round != 2 || !o.Supervised || o.Status != "forwarded" {
		t.Fatalf("an unsatisfied evaluation: %+v, want round 2 under supervision", o)
	}
	seen("the reopening under supervision", func(o models.Opinion) bool { return o.Round == 2 && o.Supervised && o.Status == "forwarded" },
		"已交办", "第 2 轮办理", "督办", "上一轮评价：不满意", replyB)

	const replyA = "塌方路段已于2027年1月完成处置，全线改造工程已开工。"
	unit.must(t, "POST", "/api/v1/unit/opinions/"+id+"/reply", map[string]any{"grade": "A", "content": replyA}, nil, 200)
	seen("the A reply of round 2", func(o models.Opinion) bool { return o.Status == "answered" && o.Grade == "A" && o.Round == 2 },
		"已答复", "A 类：已解决", replyA, "第 2 轮办理")

	c.hubAPI.must(t, "PATCH", "/api/v1/committee/opinions/"+id, map[string]any{"status": "closed", "evaluation": "satisfied"}, nil, 200)
	seen("the closing", func(o models.Opinion) bool { return o.Status == "closed" && o.Evaluation == "satisfied" },
		"已办结", "满意", replyA)

	// At the hub: both replies kept, every step in the history, and the
	// unit's figures.
	c.hubAPI.must(t, "GET", "/api/v1/committee/opinions/"+id, nil, &o, 200)
	var steps []string
	for _, s := range o.History {
		steps = append(steps, s.Action)
	}
	if len(o.Replies) != 2 || o.Replies[0].Grade != "B" || o.Replies[1].Grade != "A" || strings.Join(steps, ",") != "assign,accept,reply,reopen,reply,close" {
		t.Fatalf("the hub's story: replies %+v, steps %v", o.Replies, steps)
	}
	var st struct {
		Items []struct {
			Unit             string
			Assigned         int64
			Answered         int64
			Evaluated        int64
			Satisfied        int64
			SatisfactionRate *float64 `json:"satisfaction_rate"`
			AnsweredOnTime   int64    `json:"answered_on_time"`
		}
	}
	c.hubAPI.must(t, "GET", "/api/v1/committee/stats/units", nil, &st, 200)
	for _, u := range st.Items {
		if u.Unit == "jtj" && (u.Assigned != 1 || u.Answered != 1 || u.AnsweredOnTime != 1 || u.Evaluated != 1 || u.Satisfied != 1) {
			t.Errorf("jtj's figures %+v", u)
		}
	}
}
