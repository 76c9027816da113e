package handlers_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"budgetpoint/handlers"
	"budgetpoint/hub"
	"budgetpoint/internal/testutil"
)

// The methods an OpenAPI path item may hold.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPIDoc is the part of the document the tests read; the whole of it is
// also read as any, to resolve every $ref.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Info    struct{ Title, Version string }       `json:"info"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// openAPIOp is one operation, as far as the tests check it.
type openAPIOp struct {
	Summary      string                     `json:"summary"`
	OperationID  string                     `json:"operationId"`
	Installation string                     `json:"x-installation"`
	Roles        map[string][]string        `json:"x-roles"`
	Parameters   []map[string]any           `json:"parameters"`
	Responses    map[string]json.RawMessage `json:"responses"`
}

// ginParam matches a gin path parameter, :id or *path.
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// openAPIPath turns a gin pattern into OpenAPI's: /topics/:id → /topics/{id}.
func openAPIPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

// apiRoutes are the router's /api/ routes as "METHOD /openapi/{path}", each
// with the gin pattern it came from.
func apiRoutes(r *gin.Engine) map[string]string {
	out := map[string]string{}
	for _, rt := range r.Routes() {
		if strings.HasPrefix(rt.Path, "/api/") {
			out[rt.Method+" "+openAPIPath(rt.Path)] = rt.Path
		}
	}
	return out
}

// documented are the document's operations at an installation ("point" or
// "hub") as "METHOD /path", each with its x-installation.
func documented(t *testing.T, doc openAPIDoc, installation string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for path, item := range doc.Paths {
		for _, m := range openAPIMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op openAPIOp
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			if op.Installation == installation || op.Installation == "both" {
				out[strings.ToUpper(m)+" "+path] = op.Installation
			}
		}
	}
	return out
}

// routeDiff names, sorted, each route the router has and the document does
// not, and each documented operation the router does not have, in words
// that say what to add or remove.
func routeDiff(installation string, routes, docOps map[string]string) []string {
	var out []string
	for k, ginPath := range routes {
		if _, ok := docOps[k]; !ok {
			method, path, _ := strings.Cut(k, " ")
			out = append(out, fmt.Sprintf("route %s %s (gin %s) at the %s is not in handlers/openapi.json: add paths[%q].%s with x-installation %q (or \"both\"), x-roles, parameters and responses",
				method, path, ginPath, installation, path, strings.ToLower(method), installation))
		}
	}
	for k, inst := range docOps {
		if _, ok := routes[k]; !ok {
			out = append(out, fmt.Sprintf("handlers/openapi.json documents %s (x-installation %q), which the router of the %s does not have: remove it or correct its x-installation",
				k, inst, installation))
		}
	}
	sort.Strings(out)
	return out
}

// getOpenAPI fetches the document from a server without login and checks
// the answer's type and headers, and that it is the embedded document.
func getOpenAPI(t *testing.T, base string) openAPIDoc {
	t.Helper()
	res, err := testutil.Request(base, "GET", "/api/v1/openapi.json", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Want(t, 200, "openapi.json without login")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q, want nosniff", got)
	}
	if got := res.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
		t.Errorf("Cache-Control %q, want no-store alone", got)
	}
	if string(res.Body) != string(handlers.OpenAPI()) {
		t.Errorf("the answer is not the embedded document")
	}
	var doc openAPIDoc
	if err := json.Unmarshal(res.Body, &doc); err != nil {
		t.Fatalf("openapi.json does not parse as JSON: %v", err)
	}
	return doc
}

// TestOpenAPIMatchesRoutes: the document served at a real point and a real
// hub lists exactly the /api routes their routers have, no more, no fewer.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	point := testutil.New(t)
	var hubRouter *gin.Engine
	hubEnv := testutil.NewHub(t, func(r *gin.Engine, _ *handlers.Server, _ *hub.Hub) { hubRouter = r })
	for _, c := range []struct {
		installation string
		router       *gin.Engine
		url          string
	}{{"point", point.Router, point.URL}, {"hub", hubRouter, hubEnv.URL}} {
		t.Run(c.installation, func(t *testing.T) {
			doc := getOpenAPI(t, c.url)
			routes := apiRoutes(c.router)
			if len(routes) < 10 {
				t.Fatalf("only %d /api routes at the %s: the router is not the real one", len(routes), c.installation)
			}
			for _, d := range routeDiff(c.installation, routes, documented(t, doc, c.installation)) {
				t.Error(d)
			}
		})
	}
}

// TestOpenAPIRouteDiff: the comparison names a route the document lacks and
// an operation the router lacks (so that TestOpenAPIMatchesRoutes can fail).
func TestOpenAPIRouteDiff(t *testing.T) {
	routes := map[string]string{"GET /api/v1/users/{id}": "/api/v1/users/:id", "GET /api/v1/me": "/api/v1/me"}
	docOps := map[string]string{"GET /api/v1/me": "both", "POST /api/v1/me/password": "both"}
	got := routeDiff("point", routes, docOps)
	all := strings.Join(got, "\n")
	if len(got) != 2 || !strings.Contains(all, `route GET /api/v1/users/{id} (gin /api/v1/users/:id) at the point is not in handlers/openapi.json: add paths["/api/v1/users/{id}"].get`) ||
		!strings.Contains(all, "documents POST /api/v1/me/password") {
		t.Fatalf("diff %q", got)
	}
	if got := routeDiff("hub", routes, map[string]string{"GET /api/v1/users/{id}": "hub", "GET /api/v1/me": "both"}); len(got) != 0 {
		t.Fatalf("equal sets: diff %q", got)
	}
}

// TestOpenAPIDocument checks the document itself: OpenAPI 3.1, every
// operation with a summary, an id, where it exists, its roles there,
// its path parameters and at least one response, and every $ref resolving.
func TestOpenAPIDocument(t *testing.T) {
	raw := handlers.OpenAPI()
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json does not parse as JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title != "budgetpoint" || doc.Info.Version == "" {
		t.Errorf("info %+v, want title budgetpoint and a version", doc.Info)
	}
	var all any
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for path, item := range doc.Paths {
		for m, rawOp := range item {
			name := strings.ToUpper(m) + " " + path
			if !slices.Contains(openAPIMethods, m) {
				t.Errorf("%s: %q is not an HTTP method", name, m)
				continue
			}
			var op openAPIOp
			if err := json.Unmarshal(rawOp, &op); err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			checkOperation(t, all, name, path, op)
			if other, ok := ids[op.OperationID]; ok && op.OperationID != "" {
				t.Errorf("%s: operationId %q is also %s's", name, op.OperationID, other)
			}
			ids[op.OperationID] = name
		}
	}
	for _, bad := range unresolvedRefs(all, all, "#") {
		t.Error(bad)
	}
}

// checkOperation checks one operation (see TestOpenAPIDocument).
func checkOperation(t *testing.T, all any, name, path string, op openAPIOp) {
	t.Helper()
	if op.Summary == "" || op.OperationID == "" {
		t.Errorf("%s: no summary or no operationId", name)
	}
	var want []string
	switch op.Installation {
	case "point", "hub":
		want = []string{op.Installation}
	case "both":
		want = []string{"hub", "point"}
	default:
		t.Errorf("%s: x-installation %q, want point, hub or both", name, op.Installation)
	}
	var have []string
	for k := range op.Roles {
		have = append(have, k)
	}
	sort.Strings(have)
	if !slices.Equal(have, want) {
		t.Errorf("%s: x-roles for %v, want the roles at each of %v", name, have, want)
	}
	if len(op.Responses) == 0 {
		t.Errorf("%s: no responses", name)
	}
	for st := range op.Responses {
		if n, err := strconv.Atoi(st); err != nil || n < 100 || n > 599 {
			t.Errorf("%s: response %q is not a status code", name, st)
		}
	}
	inPath := map[string]bool{}
	for _, p := range op.Parameters {
		if r, ok := p["$ref"].(string); ok {
			p, _ = resolveRef(all, r).(map[string]any)
		}
		if p["in"] == "path" {
			inPath[fmt.Sprint(p["name"])] = true
		}
	}
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
		if !inPath[m[1]] {
			t.Errorf("%s: path parameter %s is not described", name, m[1])
		}
		delete(inPath, m[1])
	}
	for p := range inPath {
		t.Errorf("%s: path parameter %s is not in the path", name, p)
	}
}

// TestOpenAPIRolesAtPoint: the roles the document gives each point
// operation are those the role table (routes_test.go) proves the router
// lets through; an empty list is a route without login.
func TestOpenAPIRolesAtPoint(t *testing.T) {
	var doc openAPIDoc
	if err := json.Unmarshal(handlers.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range routeTable {
		path := openAPIPath(r.path)
		raw, ok := doc.Paths[path][strings.ToLower(r.method)]
		if !ok {
			continue // TestOpenAPIMatchesRoutes names it
		}
		var op openAPIOp
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatal(err)
		}
		want := r.roles
		if want == nil {
			want = []string{}
		}
		got := append([]string(nil), op.Roles["point"]...)
		sort.Strings(got)
		want = append([]string(nil), want...)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s %s: x-roles.point %v, the router lets through %v", r.method, path, got, want)
		}
	}
}

// resolveRef follows a local reference ("#/components/schemas/Topic"); nil
// when it names nothing.
func resolveRef(all any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	cur := all
	for _, part := range strings.Split(strings.TrimPrefix(rest, "/"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}

// unresolvedRefs names every $ref under v (at where) that resolves to nothing.
func unresolvedRefs(all, v any, where string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok && resolveRef(all, r) == nil {
			out = append(out, fmt.Sprintf("%s: $ref %q resolves to nothing", where, r))
		}
		for k, e := range v {
			out = append(out, unresolvedRefs(all, e, where+"/"+k)...)
		}
	case []any:
		for i, e := range v {
			out = append(out, unresolvedRefs(all, e, where+"/"+strconv.Itoa(i))...)
		}
	}
	return out
}
