package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/internal/testutil"
	"budgetpoint/models"
)

func fp(v float64) *float64 { return &v }

func opts(vs ...string) []models.Option {
	var out []models.Option
	for _, v := range vs {
		out = append(out, models.Option{Value: v, Label: "选项 " + v})
	}
	return out
}

// The questionnaires of the randomised test, version by version.
func defQA(version int) models.Definition {
	d := models.Definition{ID: "qa", TopicID: "t1", Title: "预算草案问卷", Questions: []models.Question{
		{Key: "overall", Type: models.SingleChoice, Label: "总体评价", Required: true, Options: opts("satisfied", "basic", "unsatisfied")},
		{Key: "priorities", Type: models.MultipleChoice, Label: "优先保障", MaxChoices: 3, Options: opts("education", "health", "social", "agri", "transport")},
		{Key: "transparency", Type: models.Rating, Label: "透明程度", Min: fp(1), Max: fp(5)},
		{Key: "amount", Type: models.Number, Label: "金额", Min: fp(0), Max: fp(100000)},
		{Key: "advice", Type: models.Text, Label: "意见建议", MaxLength: 50, Opinion: true},
		{Key: "why", Type: models.Text, Label: "原因"}, // asked of everyone in v1
	}}
	if version >= 2 {
		// v2: an option removed, a question added, the rating scale widened.
		d.Questions[1].Options = opts("education", "health", "social", "agri")
		d.Questions[2].Min, d.Questions[2].Max = fp(0), fp(10)
		d.Questions = append(d.Questions, models.Question{Key: "region", Type: models.SingleChoice, Label: "地区", Required: true, Options: opts("urban", "rural")})
		// and skip logic: on a single choice (for a question v1 asked of
		// everyone) and on a multiple choice.
		why := &d.Questions[5]
		why.Label, why.Required, why.Relevant = "不满意的原因", true, &models.Relevance{Key: "overall", In: []string{"unsatisfied", "basic"}}
		d.Questions = append(d.Questions,
			models.Question{Key: "farm", Type: models.Rating, Label: "农业投入评分", Relevant: &models.Relevance{Key: "priorities", In: []string{"agri", "social"}}})
	}
	return d
}

func defQB(version int) models.Definition {
	d := models.Definition{ID: "qb", TopicID: "t2", Title: "国有资产问卷", Questions: []models.Question{
		{Key: "score", Type: models.Rating, Label: "评分", Required: true},
		{Key: "delta", Type: models.Number, Label: "增减", Min: fp(-1000.5), Max: fp(1000.5)},
		{Key: "comment", Type: models.Text, Label: "说明"},
		{Key: "suggestion", Type: models.Text, Label: "建议", Opinion: true, MaxLength: 30},
	}}
	if version >= 2 {
		d.Questions = append(d.Questions[:1], d.Questions[2:]...) // delta removed
		d.Questions = append(d.Questions, models.Question{Key: "years", Type: models.MultipleChoice, Label: "年度", Options: opts("y2024", "y2025", "y2026")})
	}
	return d
}

func defQC() models.Definition {
	return models.Definition{ID: "qc", TopicID: "t1", Title: "满意度测评", Questions: []models.Question{
		{Key: "eval", Type: models.SingleChoice, Label: "测评", Required: true, Options: opts("satisfied", "basic", "unsatisfied")},
	}}
}

func raw(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// validAnswers makes random valid answers to a definition.
func validAnswers(rng *rand.Rand, d *models.Definition) map[string]json.RawMessage {
	a := map[string]json.RawMessage{}
	for _, q := range d.Questions {
		if !q.AskedStored(a) || !q.Required && rng.IntN(4) == 0 {
			continue
		}
		switch q.Type {
		case models.SingleChoice:
			a[q.Key] = raw(q.Options[rng.IntN(len(q.Options))].Value)
		case models.MultipleChoice:
			n := len(q.Options)
			if q.MaxChoices > 0 {
				n = q.MaxChoices
			}
			var vs []string
			for _, i := range rng.Perm(len(q.Options))[:rng.IntN(n+1)] {
				vs = append(vs, q.Options[i].Value)
			}
			if vs == nil {
				vs = []string{}
			}
			a[q.Key] = raw(vs)
		case models.Rating:
			lo, hi := q.RatingBounds()
			a[q.Key] = raw(lo + rng.IntN(hi-lo+1))
		case models.Number:
			lo, hi := int64(*q.Min*1000), int64(*q.Max*1000)
			m := lo + rng.Int64N(hi-lo+1)
			a[q.Key] = json.RawMessage(models.FormatMilli(m))
		case models.Text:
			if !q.Required && rng.IntN(5) == 0 {
				a[q.Key] = raw("  ") // empty: not an answer, no opinion
			} else {
				a[q.Key] = raw(fmt.Sprintf("建议%d号：加大乡村道路投入", rng.IntN(1000)))
			}
		}
	}
	return a
}

// equivalent rewrites answers into a different but equal form: reversed
// choices, numbers with trailing zeros, text with spaces around it.
func equivalent(d *models.Definition, a map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range a {
		q := d.Question(k)
		switch q.Type {
		case models.MultipleChoice:
			var ss []string
			json.Unmarshal(v, &ss)
			for i, j := 0, len(ss)-1; i < j; i, j = i+1, j-1 {
				ss[i], ss[j] = ss[j], ss[i]
			}
			if ss == nil {
				ss = []string{}
			}
			out[k] = raw(ss)
		case models.Number:
			var n models.Num
			if err := n.UnmarshalJSON(v); err != nil {
				panic(err)
			}
			s := models.FormatMilli(int64(n))
			if !strings.Contains(s, ".") {
				s += ".0"
			} else {
				s += "0"
			}
			out[k] = json.RawMessage(s)
		case models.Text:
			var s string
			json.Unmarshal(v, &s)
			out[k] = raw(" " + s + " ")
		default:
			out[k] = v
		}
	}
	return out
}

type outcome int

const (
	wantCreated outcome = iota
	wantSame
	wantConflict
	wantInvalid
	wantOneCreated // a group racing on one id: exactly one created
)

// op is one operation of the randomised test and what it must give.
type op struct {
	kind  string
	topic string
	want  outcome
	field string // for wantInvalid: a field the error must name
	group string // ops of one group race on one id
	run   func(ctx context.Context) (bool, error)
	// after a success, what to remember
	resp *storedResp
	act  *storedAct
	opn  *storedOpinion
	// ids that must not be stored after an invalid or conflicting op
	absent []string
}

type storedResp struct {
	qid   string
	def   *models.Definition
	topic string
	sub   db.Submission // as first sent: a duplicate of it is recognised even after corrections
	// After corrections and a void (the last phase of each batch).
	cur    map[string]json.RawMessage // the answers now; nil: as sent
	voided bool
}

// answersNow are the response's answers as they count now.
func (s *storedResp) answersNow() map[string]json.RawMessage {
	if s.cur != nil {
		return s.cur
	}
	return s.sub.Answers
}

type storedAct struct {
	make  func() models.Activity
	topic string
}

type storedOpinion struct {
	o     models.Opinion
	topic string
}

func TestCountersEqualRecountUnderRandomLoad(t *testing.T) {
	seed := uint64(20261127)
	if s := os.Getenv("BUDGETPOINT_TEST_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("BUDGETPOINT_TEST_SEED: %v", err)
		}
	}
	t.Logf("seed %d (set BUDGETPOINT_TEST_SEED to repeat another)", seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	batches, perBatch := 16, 250
	if testing.Short() {
		batches, perBatch = 6, 120
	}

	d := testutil.OpenDB(t)
	ctx := context.Background()
	for _, id := range []string{"t1", "t2"} {
		if err := d.CreateTopic(ctx, &models.Topic{ID: id, Kind: "budget_draft", FiscalYear: 2027, Title: "事项 " + id}); err != nil {
			t.Fatal(err)
		}
	}
	deputies := []string{"d1", "d2", "d3"}
	for i, id := range deputies {
		if err := d.CreateDeputy(ctx, &models.Deputy{ID: id, Name: "代表" + strconv.Itoa(i), Level: models.DeputyLevels[i]}); err != nil {
			t.Fatal(err)
		}
	}
	defs := map[string][]*models.Definition{} // qid → versions, index 0 unused
	publish := func(def models.Definition, wantVersion int) {
		t.Helper()
		q, created, err := d.SaveQuestionnaire(ctx, def, models.OriginLocal)
		if err != nil || !created || q.Version != wantVersion {
			t.Fatalf("publish %s: version %d created %v err %v, want version %d", def.ID, q.Version, created, err, wantVersion)
		}
		// The same definition again publishes nothing.
		q2, created, err := d.SaveQuestionnaire(ctx, def, models.OriginLocal)
		if err != nil || created || q2.Version != wantVersion {
			t.Fatalf("republish %s: version %d created %v err %v", def.ID, q2.Version, created, err)
		}
		stored, v, err := d.Definition(ctx, def.ID, wantVersion)
		if err != nil || v != wantVersion {
			t.Fatalf("definition %s: version %d (%v), want %d", def.ID, v, err, wantVersion)
		}
		if defs[def.ID] == nil {
			defs[def.ID] = []*models.Definition{nil}
		}
		defs[def.ID] = append(defs[def.ID], stored)
	}
	publish(defQA(1), 1)
	publish(defQB(1), 1)
	publish(defQC(), 1)

	var responses []*storedResp
	var acts []*storedAct
	var opinions []*storedOpinion
	respCount := map[string]int{}
	actCount := map[string]int{}
	opCount := map[string]int{}
	opOther := map[string]int{} // of activities and standalone

	pickQ := func() (string, int) {
		qid := []string{"qa", "qa", "qb", "qc"}[rng.IntN(4)]
		vs := defs[qid]
		v := 1 + rng.IntN(len(vs)-1)
		return qid, v
	}
	newSub := func(qid string, version int) (db.Submission, *models.Definition) {
		def := defs[qid][version]
		sub := db.Submission{ID: uuid.NewString(), Version: version, Answers: validAnswers(rng, def),
			Respondent: models.Respondent{Kind: models.RespondentKinds[rng.IntN(3)]}, Channel: models.Channels[rng.IntN(2)]}
		if version == len(defs[qid])-1 && rng.IntN(3) == 0 {
			sub.Version = 0 // the latest
		}
		if sub.Respondent.Kind == "deputy" && rng.IntN(2) == 0 {
			sub.Respondent.DeputyID = deputies[rng.IntN(len(deputies))]
		}
		if sub.Respondent.Kind == "public" && rng.IntN(3) == 0 {
			sub.Respondent.Description = "退休教师"
		}
		return sub, def
	}
	submit := func(qid string, sub db.Submission) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			_, created, err := d.SubmitResponse(ctx, qid, sub)
			return created, err
		}
	}
	newActivity := func(topic string) func() models.Activity {
		id := uuid.NewString()
		kind := models.ActivityKinds[rng.IntN(3)]
		p := models.Participants{Deputies: rng.Int64N(20), Public: rng.Int64N(50), Other: rng.Int64N(5)}
		var ops []models.Opinion
		for i := range rng.IntN(4) {
			o := models.Opinion{ID: uuid.NewString(), Content: fmt.Sprintf("座谈会意见 %d", i), Proposer: models.Proposer{Kind: "public", Description: "村民"}}
			if rng.IntN(2) == 0 {
				o.Proposer = models.Proposer{Kind: "deputy", DeputyID: deputies[rng.IntN(len(deputies))]}
			}
			ops = append(ops, o)
		}
		title := "座谈会 " + id[:8]
		return func() models.Activity {
			return models.Activity{ID: id, Kind: kind, TopicID: topic, Title: title, HeldOn: "2026-11-20", Participants: p,
				Opinions: append([]models.Opinion(nil), ops...)}
		}
	}
	newOpinion := func(topic string) models.Opinion {
		o := models.Opinion{ID: uuid.NewString(), TopicID: topic, Source: models.OpinionSources[rng.IntN(len(models.OpinionSources))],
			Content: "书面意见 " + strconv.Itoa(rng.IntN(1e6)), Proposer: models.Proposer{Kind: "other", Description: "企业"}}
		if rng.IntN(3) == 0 {
			o.Proposer = models.Proposer{Kind: "deputy", DeputyID: deputies[rng.IntN(len(deputies))]}
		}
		return o
	}

	// invalidate spoils a valid submission in one of many ways and names the field.
	invalidate := func(qid string, sub *db.Submission, def *models.Definition) string {
		for {
			q := def.Questions[rng.IntN(len(def.Questions))]
			k := "answers." + q.Key
			switch rng.IntN(15) {
			case 0:
				sub.Answers["no_such_question"] = raw(1)
				return "answers.no_such_question"
			case 1:
				if q.Type == models.SingleChoice {
					sub.Answers[q.Key] = raw("not_an_option")
					return k
				}
			case 2:
				if q.Type == models.MultipleChoice && q.MaxChoices > 0 {
					var all []string
					for _, o := range q.Options[:q.MaxChoices+1] {
						all = append(all, o.Value)
					}
					sub.Answers[q.Key] = raw(all)
					return k
				}
			case 3:
				if q.Type == models.Rating {
					_, hi := q.RatingBounds()
					sub.Answers[q.Key] = raw(hi + 1)
					return k
				}
			case 4:
				if q.Type == models.Number {
					sub.Answers[q.Key] = json.RawMessage(models.FormatMilli(int64(*q.Max*1000) + 1))
					return k
				}
			case 5:
				if q.Type == models.Text {
					sub.Answers[q.Key] = raw(strings.Repeat("字", q.TextLimit()+1))
					return k
				}
			case 6:
				if q.Required && q.AskedStored(sub.Answers) {
					delete(sub.Answers, q.Key)
					return k
				}
			case 7:
				if q.Type != models.Number && q.Type != models.Rating {
					sub.Answers[q.Key] = raw(42)
					return k
				}
			case 8:
				sub.Respondent.Kind = "alien"
				return "respondent.kind"
			case 9:
				sub.Channel = "fax"
				return "channel"
			case 10:
				sub.Version = 99
				return "version"
			case 11:
				sub.ID = "not-a-uuid"
				return "id"
			case 12:
				if qid == "qa" && len(defs["qa"]) > 2 && sub.Version != 1 {
					sub.Answers["priorities"] = raw([]string{"transport"}) // only v1 had it
					return "answers.priorities"
				}
			case 13:
				sub.Respondent = models.Respondent{Kind: "deputy", DeputyID: "no-such-deputy"}
				return "respondent.deputy_id"
			case 14:
				if q.Relevant != nil && !q.AskedStored(sub.Answers) {
					sub.Answers[q.Key] = validAnswers(rng, &models.Definition{Questions: []models.Question{{Key: q.Key, Type: q.Type, Required: true, Options: q.Options, Min: q.Min, Max: q.Max}}})[q.Key]
					return k // an answer to a question not asked
				}
			}
		}
	}

	seqOf := func(topic string) int64 {
		var n int64
		if err := testutil.RawOf(t, d).QueryRow(`SELECT seq FROM topics WHERE id=?`, topic).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	countRows := func(table, topic string) int {
		var n int
		if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*) FROM `+table+` WHERE topic_id=?`, topic).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	liveRows := func(topic string) int {
		var n int
		if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*) FROM opinions WHERE topic_id=? AND voided_at IS NULL`, topic).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	present := func(id string) bool {
		var n int
		for _, table := range []string{"responses", "activities", "opinions"} {
			var m int
			if err := testutil.RawOf(t, d).QueryRow(`SELECT count(*) FROM `+table+` WHERE id=?`, id).Scan(&m); err != nil {
				t.Fatal(err)
			}
			n += m
		}
		return n > 0
	}

	voided := map[string]int{}
	// liveOpinions is what counts of a topic's opinions: those of activities
	// and standalone ones, and the texts of responses not voided as they
	// are now (corrections change them).
	liveOpinions := func(topic string) int {
		n := opOther[topic]
		for _, r := range responses {
			if r.topic != topic || r.voided {
				continue
			}
			for _, q := range r.def.Questions {
				if q.Opinion && hasText(r.answersNow()[q.Key]) {
					n++
				}
			}
		}
		return n
	}
	// correctSome corrects or voids up to n stored responses at once, each
	// once, and checks the counters and seq after.
	correctSome := func(b, n int) {
		t.Helper()
		picked := map[*storedResp]bool{}
		type fix struct {
			r       *storedResp
			answers map[string]json.RawMessage
			void    bool
		}
		var fixes []fix
		for i := 0; i < 4*n && len(fixes) < n && len(responses) > 0; i++ {
			r := responses[rng.IntN(len(responses))]
			if picked[r] || r.voided {
				continue
			}
			picked[r] = true
			f := fix{r: r, void: rng.IntN(4) == 0}
			if !f.void {
				f.answers = validAnswers(rng, r.def)
			}
			fixes = append(fixes, f)
		}
		seqBefore := map[string]int64{"t1": seqOf("t1"), "t2": seqOf("t2")}
		changedBy := make([]bool, len(fixes))
		errs := make([]error, len(fixes))
		var wg sync.WaitGroup
		for i, f := range fixes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if f.void {
					changedBy[i], errs[i] = d.VoidResponse(ctx, f.r.sub.ID, "重复录入")
				} else {
					changedBy[i], errs[i] = d.CorrectResponse(ctx, f.r.sub.ID, f.answers, "录入错误")
				}
			}()
		}
		wg.Wait()
		changes := map[string]int64{}
		for i, f := range fixes {
			if errs[i] != nil {
				t.Fatalf("batch %d: correct or void %s: %v", b, f.r.sub.ID, errs[i])
			}
			if changedBy[i] {
				changes[f.r.topic]++
			}
			if f.void {
				f.r.voided = true
				voided[f.r.topic]++
			} else {
				f.r.cur = f.answers
			}
		}
		testutil.CheckCounters(t, d, "t1", "t2")
		for _, topic := range []string{"t1", "t2"} {
			if got := seqOf(topic) - seqBefore[topic]; got != changes[topic] {
				t.Fatalf("batch %d: corrections moved seq of %s by %d, want %d", b, topic, got, changes[topic])
			}
			s, err := d.Summary(ctx, topic, "hongta")
			if err != nil {
				t.Fatal(err)
			}
			live := liveOpinions(topic)
			if s.Responses.Total != int64(respCount[topic]-voided[topic]) || s.Opinions.Total != int64(live) || liveRows(topic) != live {
				t.Fatalf("batch %d, after corrections: summary of %s counts %d responses, %d opinions (%d rows); want %d, %d",
					b, topic, s.Responses.Total, s.Opinions.Total, liveRows(topic), respCount[topic]-voided[topic], live)
			}
		}
	}

	total := 0
	for b := range batches {
		switch b {
		case batches / 3:
			publish(defQA(2), 2)
		case batches / 2:
			publish(defQB(2), 2)
		}
		var ops []*op
		for len(ops) < perBatch {
			topicOf := map[string]string{"qa": "t1", "qb": "t2", "qc": "t1"}
			switch r := rng.IntN(100); {
			case r < 45: // a new valid response, to any published version
				qid, v := pickQ()
				sub, def := newSub(qid, v)
				ops = append(ops, &op{kind: "response", topic: topicOf[qid], want: wantCreated, run: submit(qid, sub),
					resp: &storedResp{qid: qid, def: def, topic: topicOf[qid], sub: sub}})
			case r < 55 && len(responses) > 0: // an exact duplicate, sometimes in an equivalent form
				s := responses[rng.IntN(len(responses))]
				sub := s.sub
				if rng.IntN(2) == 0 {
					sub.Answers = equivalent(s.def, sub.Answers)
				}
				want := wantSame
				if s.voided {
					want = wantConflict // a voided response's id cannot be used again
				}
				ops = append(ops, &op{kind: "duplicate", topic: s.topic, want: want, run: submit(s.qid, sub)})
			case r < 62 && len(responses) > 0: // same id, other content
				s := responses[rng.IntN(len(responses))]
				sub := s.sub
				switch rng.IntN(3) {
				case 0:
					sub.Channel = map[string]string{"online": "paper", "paper": "online"}[sub.Channel]
				case 1:
					sub.Respondent.Kind = map[string]string{"deputy": "public", "public": "other", "other": "public"}[sub.Respondent.Kind]
					sub.Respondent.DeputyID = ""
				case 2:
					a := map[string]json.RawMessage{}
					for k, v := range sub.Answers {
						a[k] = v
					}
					first := s.def.Questions[0]
					if first.Type == models.Rating {
						lo, hi := first.RatingBounds()
						var cur int
						json.Unmarshal(a[first.Key], &cur)
						a[first.Key] = raw(lo + (cur-lo+1)%(hi-lo+1))
					} else {
						var cur string
						json.Unmarshal(a[first.Key], &cur)
						for _, o := range first.Options {
							if o.Value != cur {
								a[first.Key] = raw(o.Value)
								break
							}
						}
					}
					// Skip logic follows the new answer: answers to what is
					// no longer asked go, what is now asked and required comes.
					for _, q := range s.def.Questions {
						switch {
						case !q.AskedStored(a):
							delete(a, q.Key)
						case q.Required && a[q.Key] == nil:
							a[q.Key] = validAnswers(rng, &models.Definition{Questions: []models.Question{{Key: q.Key, Type: q.Type, Required: true, Options: q.Options, Min: q.Min, Max: q.Max}}})[q.Key]
						}
					}
					sub.Answers = a
				}
				ops = append(ops, &op{kind: "conflict", topic: s.topic, want: wantConflict, run: submit(s.qid, sub)})
			case r < 72: // an invalid response
				qid, v := pickQ()
				sub, def := newSub(qid, v)
				if sub.Version == 0 {
					sub.Version = v
				}
				field := invalidate(qid, &sub, def)
				ops = append(ops, &op{kind: "invalid response", topic: topicOf[qid], want: wantInvalid, field: field, run: submit(qid, sub), absent: []string{sub.ID}})
			case r < 76: // several clients racing on one new id
				qid, v := pickQ()
				sub, def := newSub(qid, v)
				g := sub.ID
				n := 2 + rng.IntN(5)
				for i := range n {
					o := &op{kind: "race", topic: topicOf[qid], want: wantOneCreated, group: g, run: submit(qid, sub)}
					if i == 0 {
						o.resp = &storedResp{qid: qid, def: def, topic: topicOf[qid], sub: sub}
					}
					ops = append(ops, o)
				}
			case r < 84: // a new activity with opinions
				topic := []string{"t1", "t2"}[rng.IntN(2)]
				mk := newActivity(topic)
				ops = append(ops, &op{kind: "activity", topic: topic, want: wantCreated, run: func(ctx context.Context) (bool, error) {
					a := mk()
					return d.CreateActivity(ctx, &a, 0)
				}, act: &storedAct{make: mk, topic: topic}})
			case r < 87 && len(acts) > 0: // the same activity again, or changed
				s := acts[rng.IntN(len(acts))]
				if rng.IntN(2) == 0 {
					ops = append(ops, &op{kind: "activity duplicate", topic: s.topic, want: wantSame, run: func(ctx context.Context) (bool, error) {
						a := s.make()
						return d.CreateActivity(ctx, &a, 0)
					}})
				} else {
					ops = append(ops, &op{kind: "activity conflict", topic: s.topic, want: wantConflict, run: func(ctx context.Context) (bool, error) {
						a := s.make()
						a.Participants.Public++
						return d.CreateActivity(ctx, &a, 0)
					}})
				}
			case r < 89 && len(opinions) > 0: // a new activity whose last opinion reuses a stored opinion's id: nothing of it stays
				topic := []string{"t1", "t2"}[rng.IntN(2)]
				mk := newActivity(topic)
				taken := opinions[rng.IntN(len(opinions))].o.ID
				a0 := mk()
				absent := []string{a0.ID}
				for _, o := range a0.Opinions {
					absent = append(absent, o.ID)
				}
				ops = append(ops, &op{kind: "activity with a taken opinion id", topic: topic, want: wantConflict, absent: absent, run: func(ctx context.Context) (bool, error) {
					a := mk()
					a.Opinions = append(a.Opinions, models.Opinion{ID: taken, Content: "重复编号", Proposer: models.Proposer{Kind: "public"}})
					return d.CreateActivity(ctx, &a, 0)
				}})
			case r < 95: // a standalone opinion, sometimes tied to an activity of its topic
				topic := []string{"t1", "t2"}[rng.IntN(2)]
				o := newOpinion(topic)
				if len(acts) > 0 && rng.IntN(3) == 0 {
					if a := acts[rng.IntN(len(acts))]; a.topic == topic {
						o.ActivityID = a.make().ID
					}
				}
				ops = append(ops, &op{kind: "opinion", topic: topic, want: wantCreated, run: func(ctx context.Context) (bool, error) {
					c := o
					return d.CreateOpinion(ctx, &c, 0)
				}, opn: &storedOpinion{o: o, topic: topic}})
			case r < 98 && len(opinions) > 0: // the same opinion again, or changed
				s := opinions[rng.IntN(len(opinions))]
				if rng.IntN(2) == 0 {
					ops = append(ops, &op{kind: "opinion duplicate", topic: s.topic, want: wantSame, run: func(ctx context.Context) (bool, error) {
						c := s.o
						return d.CreateOpinion(ctx, &c, 0)
					}})
				} else {
					ops = append(ops, &op{kind: "opinion conflict", topic: s.topic, want: wantConflict, run: func(ctx context.Context) (bool, error) {
						c := s.o
						c.Content += "（修改）"
						return d.CreateOpinion(ctx, &c, 0)
					}})
				}
			default: // an invalid opinion
				o := newOpinion("t1")
				field := "topic_id"
				if rng.IntN(2) == 0 {
					o.TopicID = "no-such-topic"
				} else {
					o.Proposer = models.Proposer{Kind: "deputy", DeputyID: "no-such-deputy"}
					field = "proposer.deputy_id"
				}
				ops = append(ops, &op{kind: "invalid opinion", topic: "t1", want: wantInvalid, field: field, absent: []string{o.ID}, run: func(ctx context.Context) (bool, error) {
					c := o
					return d.CreateOpinion(ctx, &c, 0)
				}})
			}
		}
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

		seqBefore := map[string]int64{"t1": seqOf("t1"), "t2": seqOf("t2")}
		type result struct {
			created bool
			err     error
		}
		results := make([]result, len(ops))
		var wg sync.WaitGroup
		next := make(chan int)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					c, err := ops[i].run(ctx)
					results[i] = result{c, err}
				}
			}()
		}
		for i := range ops {
			next <- i
		}
		close(next)
		wg.Wait()

		changes := map[string]int64{}
		groups := map[string][]int{}
		for i, o := range ops {
			r := results[i]
			what := fmt.Sprintf("batch %d op %d (%s)", b, i, o.kind)
			switch o.want {
			case wantCreated:
				if r.err != nil || !r.created {
					t.Fatalf("%s: created %v err %v, want created", what, r.created, r.err)
				}
			case wantSame:
				if r.err != nil || r.created {
					t.Fatalf("%s: created %v err %v, want created=false", what, r.created, r.err)
				}
			case wantConflict:
				if models.ErrorCode(r.err) != models.EConflict {
					t.Fatalf("%s: err %v, want conflict", what, r.err)
				}
			case wantInvalid:
				e, ok := models.AsError(r.err)
				if !ok || e.Code != models.EInvalid {
					t.Fatalf("%s: err %v, want validation_failed", what, r.err)
				}
				if _, ok := e.Fields[o.field]; !ok {
					t.Fatalf("%s: validation_failed does not name %s: %v", what, o.field, e.Fields)
				}
			case wantOneCreated:
				if r.err != nil {
					t.Fatalf("%s: %v", what, r.err)
				}
				groups[o.group] = append(groups[o.group], i)
			}
			for _, id := range o.absent {
				if present(id) {
					t.Fatalf("%s: %s was stored although the operation failed", what, id)
				}
			}
			if r.created {
				changes[o.topic]++
				switch {
				case o.resp != nil:
					if o.want == wantOneCreated {
						break // remembered once per group below
					}
					responses = append(responses, o.resp)
					respCount[o.topic]++
					for _, q := range o.resp.def.Questions {
						if q.Opinion && hasText(o.resp.sub.Answers[q.Key]) {
							opCount[o.topic]++
						}
					}
				case o.act != nil:
					acts = append(acts, o.act)
					actCount[o.topic]++
					opCount[o.topic] += len(o.act.make().Opinions)
					opOther[o.topic] += len(o.act.make().Opinions)
				case o.opn != nil:
					opinions = append(opinions, o.opn)
					opCount[o.topic]++
					opOther[o.topic]++
				}
			}
		}
		for g, idx := range groups {
			n := 0
			var first *op
			for _, i := range idx {
				if results[i].created {
					n++
				}
				if ops[i].resp != nil {
					first = ops[i]
				}
			}
			if n != 1 {
				t.Fatalf("batch %d: %d clients raced on id %s: %d created, want exactly 1", b, len(idx), g, n)
			}
			responses = append(responses, first.resp)
			respCount[first.topic]++
			for _, q := range first.resp.def.Questions {
				if q.Opinion && hasText(first.resp.sub.Answers[q.Key]) {
					opCount[first.topic]++
				}
			}
		}
		total += len(ops)

		testutil.CheckCounters(t, d, "t1", "t2")
		for _, topic := range []string{"t1", "t2"} {
			if got := seqOf(topic) - seqBefore[topic]; got != changes[topic] {
				t.Fatalf("batch %d: seq of %s grew by %d, want %d (one per stored change)", b, topic, got, changes[topic])
			}
			if got := countRows("responses", topic); got != respCount[topic] {
				t.Fatalf("batch %d: %d responses stored for %s, want %d", b, got, topic, respCount[topic])
			}
			if got := countRows("activities", topic); got != actCount[topic] {
				t.Fatalf("batch %d: %d activities stored for %s, want %d", b, got, topic, actCount[topic])
			}
			live := liveOpinions(topic)
			if got := liveRows(topic); got != live {
				t.Fatalf("batch %d: %d opinions counting for %s, want %d", b, got, topic, live)
			}
			s, err := d.Summary(ctx, topic, "hongta")
			if err != nil {
				t.Fatal(err)
			}
			if s.Responses.Total != int64(respCount[topic]-voided[topic]) || s.Opinions.Total != int64(live) || s.Seq != seqOf(topic) {
				t.Fatalf("batch %d: summary of %s counts %d responses, %d opinions, seq %d; want %d, %d, %d",
					b, topic, s.Responses.Total, s.Opinions.Total, s.Seq, respCount[topic]-voided[topic], live, seqOf(topic))
			}
			acts := s.Activities.Forum + s.Activities.FieldResearch + s.Activities.Written
			if acts != int64(actCount[topic]) {
				t.Fatalf("batch %d: summary of %s counts %d activities, want %d", b, topic, acts, actCount[topic])
			}
		}
		correctSome(b, perBatch/10)
	}
	t.Logf("%d operations in %d batches: %d responses, %d activities, %d opinions stored", total, batches,
		respCount["t1"]+respCount["t2"], actCount["t1"]+actCount["t2"], opCount["t1"]+opCount["t2"])

	// Reopening the database keeps everything and the counters still agree.
	path := strings.TrimSuffix(d.Path, "/"+db.FileName)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d2, err := db.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	testutil.CheckCounters(t, d2, "t1", "t2")
}

func hasText(r json.RawMessage) bool {
	var s string
	return r != nil && json.Unmarshal(r, &s) == nil && strings.TrimSpace(s) != ""
}
