package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"budgetpoint/db"
	"budgetpoint/handlers"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

// pageAll walks a list endpoint with ?limit=n and returns the items' ids,
// checking the shape of every page.
func pageAll(t *testing.T, fx *fixture, token, path string, n int) []string {
	t.Helper()
	var ids []string
	seen := map[string]bool{}
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: paging does not end", path)
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		q := fmt.Sprintf("%s%slimit=%d", path, sep, n)
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		res := fx.Do(t, "GET", q, token, nil).Want(t, 200, q)
		var raw map[string]json.RawMessage
		res.JSON(t, &raw)
		if len(raw) != 2 || raw["items"] == nil || raw["next"] == nil {
			t.Fatalf("%s: want exactly {\"items\": [...], \"next\": ...}: %s", q, testutil.Trunc(res.Body))
		}
		var items []map[string]any
		if err := json.Unmarshal(raw["items"], &items); err != nil || items == nil {
			t.Fatalf("%s: items is not a list: %s", q, raw["items"])
		}
		if len(items) > n {
			t.Fatalf("%s: %d items on a page of %d", q, len(items), n)
		}
		for _, it := range items {
			id := fmt.Sprint(it["id"])
			if it["name"] != nil && it["role"] != nil { // users
				id = fmt.Sprint(it["name"])
			}
			if seen[id] {
				t.Fatalf("%s: %s on two pages", q, id)
			}
			seen[id] = true
			ids = append(ids, id)
		}
		var next *string
		if err := json.Unmarshal(raw["next"], &next); err != nil {
			t.Fatalf("%s: next is neither a cursor nor null: %s", q, raw["next"])
		}
		if next == nil {
			return ids
		}
		if len(items) != n {
			t.Fatalf("%s: a short page (%d of %d) with a next cursor", q, len(items), n)
		}
		after = *next
	}
}

func TestListsArePaged(t *testing.T) {
	fx := newFixture(t)
	staff, admin := fx.tokens["staff"], fx.tokens["admin"]
	for i := range 6 {
		fx.Do(t, "POST", "/api/v1/topics", staff, testutil.Topic(fmt.Sprintf("t-page-%d", i))).Want(t, 201, "topic")
		fx.Do(t, "POST", "/api/v1/questionnaires", staff, testutil.Definition(fmt.Sprintf("q-page-%d", i), "t1")).Want(t, 201, "questionnaire")
		fx.Do(t, "POST", "/api/v1/activities", staff, map[string]any{"kind": "field_research", "topic_id": "t1", "title": "实地调研", "held_on": "2026-11-22"}).Want(t, 201, "activity")
		fx.Do(t, "POST", "/api/v1/deputies", staff, map[string]any{"name": "代表", "level": "county"}).Want(t, 201, "deputy")
		fx.Do(t, "POST", "/api/v1/users", admin, map[string]any{"name": fmt.Sprintf("user-%d", i), "role": "staff"}).Want(t, 201, "user")
	}
	for i := range 55 {
		fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, testutil.Response(newID(), i)).Want(t, 201, "response")
	}
	counts := map[string]string{"topics": `SELECT count(*) FROM topics`, "questionnaires": `SELECT count(*) FROM questionnaires`,
		"questionnaires/q1/responses": `SELECT count(*) FROM responses`, "activities": `SELECT count(*) FROM activities`,
		"opinions": `SELECT count(*) FROM opinions`, "deputies": `SELECT count(*) FROM deputies`, "users": `SELECT count(*) FROM users`}
	for path, q := range counts {
		var want int
		if err := testutil.RawOf(t, fx.DB).QueryRow(q).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if want < 7 {
			t.Fatalf("%s: only %d items to page", path, want)
		}
		for _, n := range []int{1, 3, 500} {
			if got := pageAll(t, fx, admin, "/api/v1/"+path, n); len(got) != want {
				t.Fatalf("%s with limit %d: %d items, want %d", path, n, len(got), want)
			}
		}
		for _, bad := range []string{"limit=0", "limit=501", "limit=abc", "limit=-1", "after=%25%25not-a-cursor"} {
			res := fx.Do(t, "GET", "/api/v1/"+path+"?"+bad, admin, nil)
			if res.Status != 400 || res.Err(t).Error.Code != "bad_request" {
				t.Fatalf("%s?%s: %d %s", path, bad, res.Status, res.Body)
			}
		}
	}
	// A well-formed cursor that is no row number is refused too, not taken
	// as the first page ("YWJj" is "abc").
	for _, path := range []string{"questionnaires/q1/responses", "opinions", "activities"} {
		res := fx.Do(t, "GET", "/api/v1/"+path+"?after=YWJj", admin, nil)
		if res.Status != 400 || res.Err(t).Error.Fields["after"] == "" {
			t.Fatalf("%s?after=YWJj: %d %s", path, res.Status, res.Body)
		}
	}
	// The default page is 50.
	var p models.Page[models.Response]
	fx.Do(t, "GET", "/api/v1/questionnaires/q1/responses", staff, nil).Want(t, 200, "default").JSON(t, &p)
	if len(p.Items) != 50 || p.Next == nil {
		t.Fatalf("default page: %d items, next %v", len(p.Items), p.Next)
	}
	// Filters of the opinions list.
	var ops models.Page[models.Opinion]
	fx.Do(t, "GET", "/api/v1/opinions?source=written&limit=500", staff, nil).Want(t, 200, "filter").JSON(t, &ops)
	if len(ops.Items) != 1 || ops.Items[0].ID != fx.opinionID {
		t.Fatalf("opinions?source=written: %+v", ops.Items)
	}
}

func TestPublicLink(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	var q models.Questionnaire
	fx.Do(t, "PATCH", "/api/v1/questionnaires/q1", staff, map[string]any{"public": true}).Want(t, 200, "open again").JSON(t, &q)
	if !q.Public || !strings.HasSuffix(q.PublicURL, "/"+fx.publicToken) {
		t.Fatalf("opening an open questionnaire again must keep its link: %+v", q)
	}
	if len(fx.publicToken) < 20 {
		t.Fatalf("public token %q is guessable", fx.publicToken)
	}
	// Without login.
	var pub models.Questionnaire
	fx.Do(t, "GET", "/api/v1/public/"+fx.publicToken, "", nil).Want(t, 200, "public questionnaire").JSON(t, &pub)
	if pub.ID != "q1" || len(pub.Questions) != 5 || pub.PublicURL != "" {
		t.Fatalf("public questionnaire: %+v", pub)
	}
	id := newID()
	body := testutil.Response(id, 0)
	body["respondent"] = map[string]any{"kind": "deputy", "deputy_id": "d-dep"} // cannot claim a registered deputy
	body["channel"] = "paper"
	fx.Do(t, "POST", "/api/v1/public/"+fx.publicToken+"/responses", "", body).Want(t, 201, "public response")
	fx.Do(t, "POST", "/api/v1/public/"+fx.publicToken+"/responses", "", body).Want(t, 200, "public response again")
	var page models.Page[models.Response]
	fx.Do(t, "GET", "/api/v1/questionnaires/q1/responses", staff, nil).Want(t, 200, "list").JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != id || page.Items[0].Respondent.DeputyID != "" || page.Items[0].Channel != "online" {
		t.Fatalf("stored public response: %+v", page.Items)
	}
	// An invalid public response: 422, nothing stored.
	bad := withAnswers(newID(), "overall", "great")
	res := fx.Do(t, "POST", "/api/v1/public/"+fx.publicToken+"/responses", "", bad)
	if res.Status != 422 || res.Err(t).Error.Fields["answers.overall"] == "" {
		t.Fatalf("invalid public response: %d %s", res.Status, res.Body)
	}
	// Closing the link: 404 both ways.
	var closed models.Questionnaire
	fx.Do(t, "PATCH", "/api/v1/questionnaires/q1", staff, map[string]any{"public": false}).Want(t, 200, "close").JSON(t, &closed)
	if closed.Public || closed.PublicURL != "" {
		t.Fatalf("closed questionnaire still public: %+v", closed)
	}
	before := testutil.Snapshot(t, fx.DB)
	for _, r := range []struct{ method, path string }{{"GET", "/api/v1/public/" + fx.publicToken}, {"POST", "/api/v1/public/" + fx.publicToken + "/responses"}} {
		res := fx.Do(t, r.method, r.path, "", testutil.Response(newID(), 1))
		if res.Status != 404 || res.Err(t).Error.Code != "not_found" {
			t.Fatalf("%s closed link: %d %s", r.method, res.Status, res.Body)
		}
	}
	testutil.SameSnapshot(t, fx.DB, before, "a closed link")
	// Opening again gives a new link; the old one stays closed.
	q = models.Questionnaire{}
	fx.Do(t, "PATCH", "/api/v1/questionnaires/q1", staff, map[string]any{"public": true}).Want(t, 200, "reopen").JSON(t, &q)
	if q.PublicURL == "" || strings.HasSuffix(q.PublicURL, fx.publicToken) {
		t.Fatalf("reopened link %q", q.PublicURL)
	}
	if res := fx.Do(t, "GET", "/api/v1/public/"+fx.publicToken, "", nil); res.Status != 404 {
		t.Fatalf("old link after reopening: %d", res.Status)
	}
	// Deputies do not see public links; staff do.
	var dq models.Questionnaire
	fx.Do(t, "GET", "/api/v1/questionnaires/q1", fx.tokens["deputy"], nil).Want(t, 200, "deputy").JSON(t, &dq)
	if dq.PublicURL != "" {
		t.Fatalf("deputy sees the public link %q", dq.PublicURL)
	}
	if res := fx.Do(t, "PATCH", "/api/v1/questionnaires/nope", staff, map[string]any{"public": true}); res.Status != 404 {
		t.Fatalf("opening an unknown questionnaire: %d", res.Status)
	}
}

// Public submissions are rate limited per client address: 429 once the
// burst is spent (the limiter refills one a second, so 300 quick requests
// must meet it).
func TestPublicRateLimit(t *testing.T) {
	fx := newFixture(t)
	path := "/api/v1/public/" + fx.publicToken + "/responses"
	limited := -1 // the number of submissions accepted before the first 429
	for i := 0; i < 300 && limited < 0; i++ {
		res := fx.Do(t, "POST", path, "", testutil.Response(newID(), i))
		switch res.Status {
		case 201:
		case 429:
			if res.Err(t).Error.Code != "rate_limited" {
				t.Fatalf("429 with code %s", res.Err(t).Error.Code)
			}
			limited = i
		default:
			t.Fatalf("request %d: %d %s", i, res.Status, res.Body)
		}
	}
	if limited < 0 {
		t.Fatal("300 public submissions in a row were never rate limited")
	}
	if limited < 10 {
		t.Fatalf("rate limited after only %d submissions", limited)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

// Deputies see deputies without contact details, and only their own
// responses and opinions; what they submit is theirs, online.
func TestDeputyPrivacy(t *testing.T) {
	fx := newFixture(t)
	_, other := fx.User(t, "deputy2", "deputy", "d-other")
	mine, theirs := newID(), newID()
	claim := testutil.Response(mine, 0) // with advice
	claim["respondent"] = map[string]any{"kind": "public", "deputy_id": "d-other"}
	claim["channel"] = "paper"
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", fx.tokens["deputy"], claim).Want(t, 201, "deputy response")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", other, testutil.Response(theirs, 3)).Want(t, 201, "other deputy's response")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", fx.tokens["staff"], testutil.Response(newID(), 6)).Want(t, 201, "staff response")

	res := fx.Do(t, "GET", "/api/v1/deputies", fx.tokens["deputy"], nil).Want(t, 200, "deputies as deputy")
	if strings.Contains(string(res.Body), "13908771234") || strings.Contains(string(res.Body), "phone") || strings.Contains(string(res.Body), "id_number") {
		t.Fatalf("a deputy sees contact details: %s", res.Body)
	}
	res = fx.Do(t, "GET", "/api/v1/deputies", fx.tokens["staff"], nil).Want(t, 200, "deputies as staff")
	if !strings.Contains(string(res.Body), `"139****1234"`) || !strings.Contains(string(res.Body), `"5304**********2345"`) ||
		strings.Contains(string(res.Body), "13908771234") || strings.Contains(string(res.Body), "530423197801012345") {
		t.Fatalf("staff do not see the contact details masked in the list: %s", res.Body)
	}
	before := len(audited(t, fx, "deputy.read", "deputy:d-dep"))
	res = fx.Do(t, "GET", "/api/v1/deputies/d-dep", fx.tokens["staff"], nil).Want(t, 200, "one deputy as staff")
	if !strings.Contains(string(res.Body), "13908771234") || !strings.Contains(string(res.Body), "530423197801012345") {
		t.Fatalf("staff do not see one deputy's whole contact details: %s", res.Body)
	}
	if a := audited(t, fx, "deputy.read", "deputy:d-dep"); len(a) != before+1 || a[0].Actor.User != "staff" {
		t.Fatalf("the read of the whole record is not audited once as staff: %+v", a)
	}
	fx.Do(t, "GET", "/api/v1/deputies/d-dep", fx.tokens["deputy"], nil).Want(t, 403, "one deputy as a deputy")
	fx.Do(t, "GET", "/api/v1/deputies/d-nobody", fx.tokens["staff"], nil).Want(t, 404, "no such deputy")
	raw := testutil.RawOf(t, fx.DB)
	var phone, idn string
	if err := raw.QueryRow(`SELECT phone, id_number FROM deputies WHERE id='d-dep'`).Scan(&phone, &idn); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phone, "gcm1:") || !strings.HasPrefix(idn, "gcm1:") || strings.Contains(phone+idn, "1390877") || strings.Contains(phone+idn, "5304231978") {
		t.Fatalf("stored in clear: phone %q, id_number %q", phone, idn)
	}

	var rs models.Page[models.Response]
	fx.Do(t, "GET", "/api/v1/questionnaires/q1/responses", fx.tokens["deputy"], nil).Want(t, 200, "own responses").JSON(t, &rs)
	if len(rs.Items) != 1 || rs.Items[0].ID != mine {
		t.Fatalf("deputy's responses: %+v", rs.Items)
	}
	if r := rs.Items[0]; r.Respondent.Kind != "deputy" || r.Respondent.DeputyID != "d-dep" || r.Channel != "online" {
		t.Fatalf("a deputy answers as themselves, online: %+v", r)
	}
	fx.Do(t, "GET", "/api/v1/questionnaires/q1/responses", fx.tokens["staff"], nil).Want(t, 200, "all responses").JSON(t, &rs)
	if len(rs.Items) != 3 {
		t.Fatalf("staff see %d responses, want 3", len(rs.Items))
	}

	var ops models.Page[models.Opinion]
	fx.Do(t, "GET", "/api/v1/opinions", fx.tokens["deputy"], nil).Want(t, 200, "own opinions").JSON(t, &ops)
	got := map[string]bool{}
	for _, o := range ops.Items {
		if o.Proposer.DeputyID != "d-dep" {
			t.Fatalf("deputy sees another's opinion: %+v", o)
		}
		got[o.ResponseID] = true
	}
	if len(ops.Items) != 2 || !got[mine] {
		t.Fatalf("deputy's opinions: %+v (want the written one and the one from their response)", ops.Items)
	}
	var all models.Page[models.Opinion]
	fx.Do(t, "GET", "/api/v1/opinions", fx.tokens["staff"], nil).Want(t, 200, "all opinions").JSON(t, &all)
	var othersOpinion string
	for _, o := range all.Items {
		if o.ResponseID == theirs {
			othersOpinion = o.ID
		}
	}
	if othersOpinion == "" {
		t.Fatalf("the other deputy's opinion is missing: %+v", all.Items)
	}
	if res := fx.Do(t, "GET", "/api/v1/opinions/"+othersOpinion, fx.tokens["deputy"], nil); res.Status != 404 {
		t.Fatalf("deputy reads another's opinion: %d", res.Status)
	}
	fx.Do(t, "GET", "/api/v1/opinions/"+othersOpinion, other, nil).Want(t, 200, "own opinion")
	fx.Do(t, "GET", "/api/v1/opinions/"+othersOpinion, fx.tokens["staff"], nil).Want(t, 200, "staff read any opinion")

	// A deputy login not linked to the registry reads, one by one, exactly
	// the opinions its list shows: those from its own responses.
	_, unlinked := fx.User(t, "deputy3", "deputy", "")
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", unlinked, testutil.Response(newID(), 9)).Want(t, 201, "unlinked deputy's response")
	var own models.Page[models.Opinion]
	fx.Do(t, "GET", "/api/v1/opinions", unlinked, nil).Want(t, 200, "unlinked deputy's opinions").JSON(t, &own)
	if len(own.Items) != 1 {
		t.Fatalf("unlinked deputy lists %d opinions, want 1: %+v", len(own.Items), own.Items)
	}
	fx.Do(t, "GET", "/api/v1/opinions/"+own.Items[0].ID, unlinked, nil).Want(t, 200, "unlinked deputy reads its own opinion")
	if res := fx.Do(t, "GET", "/api/v1/opinions/"+othersOpinion, unlinked, nil); res.Status != 404 {
		t.Fatalf("unlinked deputy reads another's opinion: %d", res.Status)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

// A panic and a database error both answer 500 internal, with neither a
// stack nor SQL in the body, and are logged.
func TestInternalErrors(t *testing.T) {
	// Keep gin's own recovery printout of the intended panic out of the test output.
	saved := gin.DefaultErrorWriter
	gin.DefaultErrorWriter = io.Discard
	t.Cleanup(func() { gin.DefaultErrorWriter = saved })
	e := testutil.New(t, func(r *gin.Engine, s *handlers.Server) {
		r.GET("/api/v1/test-panic", func(c *gin.Context) { panic("boom: SELECT secret FROM users") })
	})
	res := e.Do(t, "GET", "/api/v1/test-panic", "", nil)
	if res.Status != 500 || res.Err(t).Error.Code != "internal" {
		t.Fatalf("panic: %d %s", res.Status, res.Body)
	}
	noLeak(t, res.Body)
	if !strings.Contains(e.Logs.String(), "boom") {
		t.Fatalf("the panic was not logged: %s", e.Logs.String())
	}

	_, tok := e.User(t, "staff", "staff", "")
	// Break the real database file from beside the server, as an operator
	// or a failing migration might.
	raw, err := sql.Open("sqlite3", db.DSN(e.DB.Path, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, table := range []string{"deputies", "topics"} {
		if _, err := raw.Exec(`DROP TABLE ` + table); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		method, path string
		body         any
		op           string // what the log must name
	}{
		{"GET", "/api/v1/deputies", nil, "list deputies: no such table: deputies"},
		{"GET", "/api/v1/topics/t-gone", nil, "topic t-gone: no such table: topics"},
		{"POST", "/api/v1/topics", testutil.Topic("t-new"), "create topic t-new: no such table: topics"},
	} {
		res = e.Do(t, c.method, c.path, tok, c.body)
		if res.Status != 500 || res.Err(t).Error.Code != "internal" {
			t.Fatalf("%s %s on a broken database: %d %s", c.method, c.path, res.Status, res.Body)
		}
		noLeak(t, res.Body)
		var line string
		for _, l := range strings.Split(e.Logs.String(), "\n") {
			if strings.Contains(l, "internal error") && strings.Contains(l, c.op) {
				line = l
			}
		}
		if line == "" {
			t.Fatalf("%s %s: no internal error logged naming %q: %s", c.method, c.path, c.op, e.Logs.String())
		}
	}
	// The server goes on answering.
	e.Do(t, "GET", "/api/v1/health", "", nil).Want(t, 200, "health after errors")
}

// A database that cannot grow (SQLITE_FULL, as on a full disk) answers 503
// unavailable with a message that says so and no detail; the log names the
// operation and the driver's error; nothing is half stored, and the server
// answers again once there is room.
func TestFullDiskUnavailable(t *testing.T) {
	e := testutil.New(t)
	_, tok := e.User(t, "staff", "staff", "")
	maxPages := func(n int) {
		t.Helper()
		// The writer's own connection: the limit holds for the writes that follow.
		if err := e.DB.Write(context.Background(), func(tx *sql.Tx) error {
			_, err := tx.Exec(fmt.Sprintf(`PRAGMA max_page_count = %d`, n))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	maxPages(1) // never below the current size: no room for one more page
	body := testutil.Topic("t-big")
	body["summary"] = strings.Repeat("预算说明", 490) // 1960 of the 2000 characters allowed: more than a page
	res := e.Do(t, "POST", "/api/v1/topics", tok, body)
	if res.Status != 503 {
		t.Fatalf("create topic on a full database: %d %s, want 503", res.Status, res.Body)
	}
	if got := res.Err(t).Error; got.Code != models.EUnavailable || !strings.Contains(got.Message, "durable") || !strings.Contains(got.Message, "保存数据") {
		t.Errorf("503 error: %+v", got)
	}
	noLeak(t, res.Body)
	if strings.Contains(string(res.Body), "full") {
		t.Errorf("503 body shows the driver's error: %s", res.Body)
	}
	logs := e.Logs.String()
	if !strings.Contains(logs, "code=unavailable") || !strings.Contains(logs, "create topic t-big: database or disk is full") {
		t.Errorf("the log does not name the operation and the cause: %s", logs)
	}
	maxPages(1 << 30)
	e.Do(t, "GET", "/api/v1/topics/t-big", tok, nil).Want(t, 404, "the topic of the failed write")
	e.Do(t, "POST", "/api/v1/topics", tok, body).Want(t, 201, "the same topic once there is room")
}

func noLeak(t *testing.T, body []byte) {
	t.Helper()
	s := strings.ToLower(string(body))
	for _, bad := range []string{"select", "sqlite", "no such table", "goroutine", ".go:", "boom", "panic:"} {
		if strings.Contains(s, bad) {
			t.Fatalf("500 body leaks %q: %s", bad, body)
		}
	}
}

func TestHealthAndSummaryShape(t *testing.T) {
	fx := newFixture(t)
	var h map[string]any
	fx.Do(t, "GET", "/api/v1/health", "", nil).Want(t, 200, "health").JSON(t, &h)
	if h["status"] != "ok" || h["point_id"] != "hongta" || h["version"] == "" {
		t.Fatalf("health: %v", h)
	}
	for i := range 12 {
		fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", fx.tokens["staff"], testutil.Response(newID(), i)).Want(t, 201, "response")
	}
	var raw map[string]any
	res := fx.Do(t, "GET", "/api/v1/topics/t1/summary", fx.tokens["staff"], nil).Want(t, 200, "summary")
	res.JSON(t, &raw)
	for _, k := range []string{"topic_id", "point_id", "seq", "as_of", "responses", "questionnaires", "activities", "opinions"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("summary lacks %s: %s", k, res.Body)
		}
	}
	var s models.Summary
	res.JSON(t, &s)
	if s.TopicID != "t1" || s.PointID != "hongta" || s.Responses.Total != 12 || s.Responses.ByKind["deputy"] != 4 || s.Responses.ByChannel["paper"] != 6 ||
		s.Activities.Forum != 1 || s.Activities.Participants.Public != 12 || s.Opinions.BySource["questionnaire"] != 4 || s.Opinions.Total != 5 {
		t.Fatalf("summary counts: %s", res.Body)
	}
	if len(s.Questionnaires) != 1 {
		t.Fatalf("summary has %d questionnaires, want 1: %s", len(s.Questionnaires), res.Body)
	}
	checked := map[string]bool{}
	for _, q := range s.Questionnaires[0].Questions {
		checked[q.Key] = true
		switch q.Key {
		case "priorities": // per option, not per combination: 3 × {education} 3 × {health, transport} 3 × {education, health, social_security}
			if q.Counts["education"] != 6 || q.Counts["health"] != 6 || q.Counts["transport"] != 3 || q.Counts["social_security"] != 3 || q.Answered != 9 {
				t.Fatalf("multiple choice counts: %+v", q)
			}
		case "transparency":
			if q.Answered != 12 || q.Sum == nil || int64(*q.Sum) != 1000*(1+2+3+4+5+1+2+3+4+5+1+2) || q.Mean == nil {
				t.Fatalf("rating: %+v", q)
			}
		case "amount":
			if q.Min == nil || q.Max == nil || *q.Min != 0 || *q.Max != 11750 {
				t.Fatalf("number: %+v", q)
			}
		}
	}
	for _, k := range []string{"priorities", "transparency", "amount"} {
		if !checked[k] {
			t.Fatalf("summary has no question %s: %s", k, res.Body)
		}
	}
	if res := fx.Do(t, "GET", "/api/v1/topics/nope/summary", fx.tokens["staff"], nil); res.Status != 404 {
		t.Fatalf("summary of an unknown topic: %d", res.Status)
	}
	testutil.CheckCounters(t, fx.DB, "t1")
}

// contract.md: 404 for a questionnaire that does not exist, whether or not
// the submission names a version; a topic may have a deadline without a
// start date; a deadline before the start is 422 on closes_at.
func TestContractEdges(t *testing.T) {
	fx := newFixture(t)
	staff := fx.tokens["staff"]
	sub := map[string]any{"version": 1, "respondent": map[string]any{"kind": "public"}, "answers": map[string]any{}}
	fx.Do(t, "POST", "/api/v1/questionnaires/nope/responses", staff, sub).Want(t, 404, "unknown questionnaire with a version")
	sub["version"] = 99
	fx.Do(t, "POST", "/api/v1/questionnaires/q1/responses", staff, sub).Want(t, 422, "unknown version")
	fx.Do(t, "POST", "/api/v1/topics", staff, map[string]any{"id": "t9", "kind": "other", "fiscal_year": 2027, "title": "x",
		"closes_at": "2027-01-01T00:00:00+08:00"}).Want(t, 201, "deadline without a start")
	r := fx.Do(t, "POST", "/api/v1/topics", staff, map[string]any{"id": "t10", "kind": "other", "fiscal_year": 2027, "title": "x",
		"opens_at": "2027-02-01T00:00:00+08:00", "closes_at": "2027-01-01T00:00:00+08:00"}).Want(t, 422, "deadline before the start")
	if e := r.Err(t); e.Error.Fields["closes_at"] == "" {
		t.Fatalf("fields %v", e.Error.Fields)
	}
}
