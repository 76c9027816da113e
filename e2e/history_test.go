package e2e

// A Jepsen-style history of the drills (issue 10, point 6): every request
// that creates, corrects or voids a response is recorded with what the
// client learnt from it, and at the end what the points stored is held
// against that history.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	_ "github.com/mattn/go-sqlite3"

	"budgetpoint/models"
)

// outcome is what a client knows after a request.
type outcome int

const (
	acked   outcome = iota // 201 or 200: the server said it is stored
	refused                // 4xx: the server said it stored nothing
	unknown                // no answer (timeout, connection error) or 5xx: either
)

func (o outcome) String() string {
	return [...]string{"acknowledged", "refused", "unknown"}[o]
}

// outcomeOf classifies an answer to a request.
func outcomeOf(status int, err error) outcome {
	switch {
	case err != nil:
		return unknown
	case status == 200 || status == 201:
		return acked
	case status >= 400 && status < 500:
		return refused
	default:
		return unknown
	}
}

// Operations on a response.
const (
	opCreate  = "create"  // POST /api/v1/questionnaires/{id}/responses
	opCorrect = "correct" // PATCH /api/v1/responses/{id} with new answers
	opVoid    = "void"    // DELETE /api/v1/responses/{id}
)

// sent is one request of the history.
type sent struct {
	Point, ID string
	Op        string
	Hash      string // the content it carries (create, correct)
	Outcome   outcome
	Status    int    // 0: no answer
	Detail    string // the error, or the refusal's code
	// hashOf gives Hash when it is asked for, at the end, so that hashing
	// adds nothing to the time of the requests.
	hashOf func() string
}

// history is every request the drills' clients sent, safe for concurrent use.
// The requests for one response id are sent one after the other, so their
// order here is the order in which they were made.
type history struct {
	mu  sync.Mutex
	ops []sent
}

func (h *history) add(s sent) {
	h.mu.Lock()
	h.ops = append(h.ops, s)
	h.mu.Unlock()
}

// all returns the history with every hash computed.
func (h *history) all() []sent {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := append([]sent(nil), h.ops...)
	for i, s := range out {
		if s.hashOf != nil {
			out[i].Hash, out[i].hashOf = s.hashOf(), nil
		}
	}
	return out
}

// record adds a request and its answer to the history; hashOf gives the
// content it carried (nil: none).
func (h *history) record(point, id, op string, hashOf func() string, status int, answer []byte, err error) outcome {
	o := outcomeOf(status, err)
	s := sent{Point: point, ID: id, Op: op, hashOf: hashOf, Outcome: o, Status: status}
	switch {
	case err != nil:
		s.Detail = err.Error()
	case o == refused:
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(answer, &e)
		s.Detail = e.Error.Code
	}
	h.add(s)
	return o
}

// normAnswers is the test's own canonical form of answers, independent of
// the server's: keys sorted (encoding/json), numbers as float64, the choices
// of a multiple choice as a sorted set, empty answers left out.
func normAnswers(raw []byte) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", err
	}
	for k, v := range m {
		switch x := v.(type) {
		case nil:
			delete(m, k)
		case string:
			if strings.TrimSpace(x) == "" {
				delete(m, k)
			}
		case []any:
			if len(x) == 0 {
				delete(m, k)
				continue
			}
			ss := make([]string, 0, len(x))
			for _, e := range x {
				ss = append(ss, fmt.Sprint(e))
			}
			sort.Strings(ss)
			m[k] = ss
		}
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// contentHash identifies what a response says: its questionnaire, channel,
// respondent and answers.
func contentHash(qid, channel string, r models.Respondent, answers []byte) string {
	a, err := normAnswers(answers)
	if err != nil {
		a = "unreadable: " + string(answers)
	}
	b, _ := json.Marshal([]any{qid, channel, r.Kind, r.DeputyID, r.Description, a})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// bodyHash is the contentHash of a request body of POST …/responses.
func bodyHash(qid string, body map[string]any) string {
	raw, _ := json.Marshal(body)
	var b struct {
		Channel    string            `json:"channel"`
		Respondent models.Respondent `json:"respondent"`
		Answers    json.RawMessage   `json:"answers"`
	}
	json.Unmarshal(raw, &b)
	return contentHash(qid, b.Channel, b.Respondent, b.Answers)
}

// storedResp is a row of a point's responses table.
type storedResp struct {
	Point, ID, Topic, Hash string
	Voided                 bool
}

// readStored reads every response of a stopped point's database, opened
// read-only.
func readStored(pointID, file string) ([]storedResp, error) {
	d, err := sql.Open("sqlite3", "file:"+file+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer d.Close()
	rows, err := d.Query(`SELECT id, questionnaire_id, topic_id, respondent_kind, coalesce(deputy_id,''), respondent_desc, channel, answers, voided_at IS NOT NULL FROM responses ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedResp
	for rows.Next() {
		var s storedResp
		var qid, ch, ans string
		var r models.Respondent
		if err := rows.Scan(&s.ID, &qid, &s.Topic, &r.Kind, &r.DeputyID, &r.Description, &ch, &ans, &s.Voided); err != nil {
			return nil, err
		}
		s.Point, s.Hash = pointID, contentHash(qid, ch, r, []byte(ans))
		out = append(out, s)
	}
	return out, rows.Err()
}

// counted is how many live (not voided) responses of a topic one place
// counts for a point: the point's kept counters, its recount, the hub.
type counted struct {
	Where, Point, Topic string
	N                   int64
}

// respState is what is stored under a response id.
type respState struct {
	present, voided bool
	hash            string
}

func (s respState) String() string {
	switch {
	case !s.present:
		return "absent"
	case s.voided:
		return "voided " + s.hash
	}
	return s.hash
}

// verdict is the outcome of the check.
type verdict struct {
	Requests   map[string]int // by outcome and status, "201", "200", "409 conflict", "unknown: …"
	ByClass    map[outcome][2]int
	Lost       []string
	Duplicated []string
	Unexpected []string
}

// classify holds what was stored and counted against the history.
//
// Each response id is put in the class of its creating requests: acknowledged
// when one was, else unknown when one got no answer, else refused. The states
// the id may be in at the end follow from its requests in order: an
// acknowledged one moves every possible state to its result (and is itself
// unexpected when no possible state allows it), an unknown one adds its result
// to them, a refused one changes nothing. Then:
//   - lost: an acknowledged request whose result is not stored (absent, or a
//     void or a correction not kept), or fewer responses counted somewhere than
//     stored;
//   - duplicated: an id stored twice or at two points, or more responses
//     counted somewhere than stored;
//   - unexpected: stored but never sent, stored at another point than sent,
//     stored with content no request allows, a refused one stored.
func classify(ops []sent, rows []storedResp, counts []counted) verdict {
	v := verdict{Requests: map[string]int{}, ByClass: map[outcome][2]int{}}
	type idHist struct {
		point  string
		class  outcome
		states []respState
		odd    []string
	}
	ids := map[string]*idHist{}
	var order []string
	for _, s := range ops {
		key := s.Op + " " + s.Outcome.String()
		if s.Status != 0 {
			key = fmt.Sprintf("%s %d", s.Op, s.Status)
			if s.Detail != "" {
				key += " " + s.Detail
			}
		}
		v.Requests[key]++
		h := ids[s.ID]
		if h == nil {
			h = &idHist{point: s.Point, class: refused, states: []respState{{}}}
			ids[s.ID] = h
			order = append(order, s.ID)
		}
		if s.Point != h.point {
			h.odd = append(h.odd, fmt.Sprintf("sent to %s and to %s", h.point, s.Point))
		}
		if s.Op == opCreate && (s.Outcome == acked || (s.Outcome == unknown && h.class == refused)) {
			h.class = s.Outcome
		}
		if s.Outcome == refused {
			continue
		}
		// next is the state after the request from st, ok when it applies.
		next := func(st respState) (respState, bool) {
			switch s.Op {
			case opCreate:
				if !st.present {
					return respState{present: true, hash: s.Hash}, true
				}
				return st, !st.voided && st.hash == s.Hash
			case opCorrect:
				return respState{present: true, hash: s.Hash}, st.present && !st.voided
			case opVoid:
				return respState{present: true, voided: true, hash: st.hash}, st.present && !st.voided
			}
			return st, false
		}
		var out []respState
		add := func(st respState) {
			for _, x := range out {
				if x == st {
					return
				}
			}
			out = append(out, st)
		}
		for _, st := range h.states {
			n, ok := next(st)
			if s.Outcome == unknown {
				add(st)
			}
			if ok {
				add(n)
			}
		}
		if len(out) == 0 {
			h.odd = append(h.odd, fmt.Sprintf("%s acknowledged (%d) where no state allows it", s.Op, s.Status))
			out = h.states
		}
		h.states = out
	}

	storedAt := map[string][]storedResp{}
	live := map[[2]string]int64{}
	for _, r := range rows {
		storedAt[r.ID] = append(storedAt[r.ID], r)
		if !r.Voided {
			live[[2]string{r.Point, r.Topic}]++
		}
	}
	for _, id := range order {
		h := ids[id]
		got := respState{}
		if rs := storedAt[id]; len(rs) > 0 {
			got = respState{present: true, voided: rs[0].Voided, hash: rs[0].Hash}
			if rs[0].Point != h.point {
				v.Unexpected = append(v.Unexpected, fmt.Sprintf("%s: sent to %s, stored at %s", id, h.point, rs[0].Point))
			}
		}
		bc := v.ByClass[h.class]
		if got.present {
			bc[0]++
		} else {
			bc[1]++
		}
		v.ByClass[h.class] = bc
		for _, o := range h.odd {
			v.Unexpected = append(v.Unexpected, id+": "+o)
		}
		ok := false
		for _, st := range h.states {
			ok = ok || st == got
		}
		if ok {
			continue
		}
		want := make([]string, len(h.states))
		for i, st := range h.states {
			want[i] = st.String()
		}
		what := fmt.Sprintf("%s (%s at %s): stored %s, the history allows %s", id, h.class, h.point, got, strings.Join(want, " or "))
		lostChange := false
		for _, st := range h.states {
			lostChange = lostChange || (got.present && st.present && st.voided && !got.voided)
		}
		switch {
		case !got.present || lostChange:
			v.Lost = append(v.Lost, what)
		default:
			v.Unexpected = append(v.Unexpected, what)
		}
	}
	for id, rs := range storedAt {
		if ids[id] == nil {
			v.Unexpected = append(v.Unexpected, fmt.Sprintf("%s: stored at %s, never sent", id, rs[0].Point))
		}
		if len(rs) > 1 {
			var at []string
			for _, r := range rs {
				at = append(at, r.Point)
			}
			v.Duplicated = append(v.Duplicated, fmt.Sprintf("%s: stored %d times (%s)", id, len(rs), strings.Join(at, ", ")))
		}
	}
	for _, c := range counts {
		n := live[[2]string{c.Point, c.Topic}]
		switch {
		case c.N > n:
			v.Duplicated = append(v.Duplicated, fmt.Sprintf("%s counts %d responses of %s at %s, %d stored", c.Where, c.N, c.Topic, c.Point, n))
		case c.N < n:
			v.Lost = append(v.Lost, fmt.Sprintf("%s counts %d responses of %s at %s, %d stored", c.Where, c.N, c.Topic, c.Point, n))
		}
	}
	sort.Strings(v.Lost)
	sort.Strings(v.Duplicated)
	sort.Strings(v.Unexpected)
	return v
}

// table is the verdict as text, for the test's log.
func (v verdict) table() string {
	var b strings.Builder
	var ids, st, not int
	fmt.Fprintf(&b, "%-14s %8s %8s %11s\n", "response ids", "sent", "stored", "not stored")
	for _, o := range []outcome{acked, refused, unknown} {
		c := v.ByClass[o]
		fmt.Fprintf(&b, "%-14s %8d %8d %11d\n", o, c[0]+c[1], c[0], c[1])
		ids, st, not = ids+c[0]+c[1], st+c[0], not+c[1]
	}
	fmt.Fprintf(&b, "%-14s %8d %8d %11d\n", "all", ids, st, not)
	keys := make([]string, 0, len(v.Requests))
	n := 0
	for k, c := range v.Requests {
		keys = append(keys, k)
		n += c
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "requests: %d:", n)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s ×%d;", k, v.Requests[k])
	}
	fmt.Fprintf(&b, "\nlost = %d, duplicated = %d, unexpected = %d", len(v.Lost), len(v.Duplicated), len(v.Unexpected))
	for _, l := range [][]string{v.Lost, v.Duplicated, v.Unexpected} {
		for i, s := range l {
			if i == 10 {
				fmt.Fprintf(&b, "\n  … %d more", len(l)-10)
				break
			}
			b.WriteString("\n  " + s)
		}
	}
	return b.String()
}
