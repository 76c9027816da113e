// Package demo loads real-looking demo content: the committee's topics, two
// questionnaires, a deputies registry, sample activities with opinions and a
// few hundred varied responses. Its data files are copies of the project's
// shared demo content, embedded so that a fresh clone stands alone.
package demo

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"budgetpoint/db"
	"budgetpoint/models"
)

//go:embed data/*.json
var files embed.FS

// Point is one contact point of the demo content.
type Point struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	Level  string `json:"level"`
}

// Points returns the six contact points.
func Points() []Point {
	var v struct {
		Points []Point `json:"points"`
	}
	mustRead("data/points.json", &v)
	return v.Points
}

// PointName returns a point's Chinese name, or its id.
func PointName(id string) string {
	for _, p := range Points() {
		if p.ID == id {
			return p.Name
		}
	}
	return id
}

// Topics returns the demo topics.
func Topics() []models.Topic {
	var v struct {
		Topics []models.Topic `json:"topics"`
	}
	mustRead("data/topics.json", &v)
	return v.Topics
}

// Questionnaires returns the demo questionnaire definitions.
func Questionnaires() []models.Definition {
	var out []models.Definition
	for _, f := range []string{"data/questionnaire-budget-draft.json", "data/questionnaire-state-assets.json"} {
		var d models.Definition
		mustRead(f, &d)
		out = append(out, d)
	}
	return out
}

// Activity is a sample activity as the demo file has it.
type Activity struct {
	models.Activity
	Opinions []struct {
		Content  string          `json:"content"`
		Proposer models.Proposer `json:"proposer"`
	} `json:"opinions"`
}

// Activities returns the sample activities.
func Activities() []Activity {
	var v struct {
		Activities []Activity `json:"activities"`
	}
	mustRead("data/activities-sample.json", &v)
	return v.Activities
}

func mustRead(name string, v any) {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
}

var deputies = []models.Deputy{
	{ID: "d-liming", Name: "李明", Level: "county", Unit: "秀山街道办事处", Phone: "13908771234", IDNumber: "530423197801012345", Liaison: true},
	{ID: "d-wangfang", Name: "王芳", Level: "municipal", Unit: "通海县第一中学", Phone: "13887712345", IDNumber: "530423198203154321", Liaison: true},
	{ID: "d-zhangwei", Name: "张伟", Level: "county", Unit: "龙泉街道社区卫生服务中心", Phone: "15987701234", IDNumber: "530425197506207788", Liaison: false},
	{ID: "d-zhaoli", Name: "赵丽", Level: "municipal", Unit: "元江县农业农村局", Phone: "13577701122", IDNumber: "530428198811113366", Liaison: true},
	{ID: "d-chenjun", Name: "陈军", Level: "township", Unit: "江城镇前卫村委会", Phone: "18287709876", IDNumber: "530421197912125511", Liaison: false},
	{ID: "d-yangxia", Name: "杨霞", Level: "provincial", Unit: "玉溪市人民医院", Phone: "13708779988", IDNumber: "530402198007074422", Liaison: true},
}

// Deputies returns the demo deputies registry (with made-up contact details).
func Deputies() []models.Deputy { return append([]models.Deputy(nil), deputies...) }

var sampleAdvice = []string{
	"建议加大对乡村道路硬化和农村饮水安全的投入。",
	"希望预算公开时附上通俗易懂的解读。",
	"建议压减一般性支出，严控“三公”经费。",
	"建议提高基层医疗卫生机构的经费保障水平。",
	"建议对教育专项资金设置可量化的绩效目标。",
	"关注地方政府债务风险，建议公开债务还本付息安排。",
	"建议加强闲置国有资产的盘活利用。",
	"希望增加养老服务设施建设投入。",
}

// Load puts the demo content into a contact point's database once; loading
// again changes nothing. Every item has a fixed id and content, so that
// processes loading the same new data at once (two servers started together)
// store each once, and a load cut short is completed by the next. It prints
// the demo logins.
func Load(ctx context.Context, d *db.DB, pointID string, out io.Writer) error {
	loaded, err := d.Setting(ctx, "demo_loaded", "")
	if err != nil {
		return err
	}
	if loaded != "" {
		fmt.Fprintln(out, "演示数据已载入 / demo content already loaded")
		return nil
	}
	// The point's name as the pages show it (the settings point_name and
	// point_name_en of 系统设置), for one of the six points.
	for _, p := range Points() {
		if p.ID != pointID {
			continue
		}
		for k, v := range map[string]string{"point_name": p.Name + "预算工作基层联系点", "point_name_en": p.NameEN + " — budget-work contact point"} {
			cur, err := d.Setting(ctx, k, "")
			if err != nil {
				return err
			}
			if cur == "" {
				if err := d.SetSetting(ctx, k, v); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range Topics() {
		t := t
		if err := d.CreateTopic(ctx, &t); err != nil && models.ErrorCode(err) != models.EConflict {
			return err
		}
	}
	for _, q := range Questionnaires() {
		if _, _, err := d.SaveQuestionnaire(ctx, q, models.OriginLocal); err != nil {
			return err
		}
	}
	for _, dep := range deputies {
		dep := dep
		if err := d.CreateDeputy(ctx, &dep); err != nil && models.ErrorCode(err) != models.EConflict {
			return err
		}
	}
	for i, a := range Activities() {
		act := a.Activity
		act.ID = uuid.NewSHA1(uuid.NameSpaceOID, []byte(pointID+"/demo-activity/"+fmt.Sprint(i))).String()
		act.Opinions = nil
		act.Location = localPlace(act.Location, pointID)
		for j, o := range a.Opinions {
			act.Opinions = append(act.Opinions, models.Opinion{ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte(act.ID+fmt.Sprint(j))).String(), Content: o.Content, Proposer: o.Proposer})
		}
		if _, err := d.CreateActivity(ctx, &act, 0); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(pointID)), hash(pointID)))
	var subs []struct {
		qid string
		s   db.Submission
	}
	for _, q := range Questionnaires() {
		n := 240
		if q.ID != "q-2027-budget-draft" {
			n = 90
		}
		for i := 0; i < n; i++ {
			s := RandomSubmission(rng, &q, pointID)
			// The same id for the same response at every load, as the rng's
			// seed gives the same content: a second process loading at the
			// same time stores nothing twice.
			s.ID = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("%s/demo-response/%s/%d", pointID, q.ID, i))).String()
			subs = append(subs, struct {
				qid string
				s   db.Submission
			}{q.ID, s})
		}
	}
	if err := submitAll(ctx, d, subs); err != nil {
		return err
	}
	for _, u := range []struct{ name, role, deputy string }{{"staff", "staff", ""}, {"deputy", "deputy", "d-liming"}} {
		if _, err := d.UserByName(ctx, u.name); err == nil {
			continue
		}
		if _, err := d.EnsureUser(ctx, u.name, u.role, DemoPassword, u.deputy); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "已载入演示数据 / demo content loaded: %d responses; demo logins staff / deputy, password %s\n", len(subs), DemoPassword)
	return d.SetSetting(ctx, "demo_loaded", time.Now().Format(time.RFC3339))
}

// DemoPassword is the password of the demo logins.
const DemoPassword = "demo-pass-2026"

func hash(s string) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func submitAll(ctx context.Context, d *db.DB, subs []struct {
	qid string
	s   db.Submission
}) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(subs))
	next := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, _, err := d.SubmitResponse(ctx, subs[i].qid, subs[i].s); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range subs {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	return <-errs
}

// RandomSubmission makes a valid, varied response to a definition: some
// optional questions left out, some text answers that become opinions.
func RandomSubmission(rng *rand.Rand, d *models.Definition, pointID string) db.Submission {
	s := db.Submission{ID: uuid.NewString(), Answers: map[string]json.RawMessage{}}
	switch r := rng.IntN(10); {
	case r < 3:
		s.Respondent.Kind = "deputy"
	case r < 9:
		s.Respondent.Kind = "public"
	default:
		s.Respondent.Kind = "other"
	}
	s.Channel = "online"
	if rng.IntN(3) == 0 {
		s.Channel = "paper"
		s.Serial = fmt.Sprintf("%s-%04d", pointID, rng.IntN(10000))
	}
	for _, q := range d.Questions {
		if !q.Required && rng.IntN(5) == 0 {
			continue
		}
		var v any
		switch q.Type {
		case models.SingleChoice:
			// Skewed towards the first options, as real answers are.
			v = q.Options[min(rng.IntN(len(q.Options)), rng.IntN(len(q.Options)))].Value
		case models.MultipleChoice:
			n := 1 + rng.IntN(len(q.Options))
			if q.MaxChoices > 0 {
				n = 1 + rng.IntN(q.MaxChoices)
			}
			var vs []string
			for _, i := range rng.Perm(len(q.Options))[:n] {
				vs = append(vs, q.Options[i].Value)
			}
			v = vs
		case models.Rating:
			lo, hi := q.RatingBounds()
			v = max(lo, hi-rng.IntN(hi-lo+1)/2-rng.IntN(2))
		case models.Number:
			lo, hi := 0.0, 10000.0
			if q.Min != nil {
				lo = *q.Min
			}
			if q.Max != nil && *q.Max < hi {
				hi = *q.Max
			}
			v = float64(int(lo+rng.Float64()*(hi-lo)*0.1)) + float64(rng.IntN(4))*0.25
			if v.(float64) > hi {
				v = hi
			}
		case models.Text:
			if rng.IntN(3) != 0 {
				continue
			}
			v = sampleAdvice[rng.IntN(len(sampleAdvice))]
		}
		b, _ := json.Marshal(v)
		s.Answers[q.Key] = b
	}
	return s
}

// sampleCounties are the places the sample activities name.
var sampleCounties = []string{"通海县", "易门县", "元江县"}

// localPlace moves a sample activity's place to the point that loads it, so
// that 红塔区's demo forum is not held in 通海县's meeting room.
func localPlace(place, pointID string) string {
	name := PointName(pointID)
	if name == pointID {
		return place // not one of the six: leave the sample's place
	}
	short := name
	for _, suffix := range []string{"人大常委会", "人大"} {
		if i := strings.Index(name, suffix); i > 0 {
			short = name[:i]
			break
		}
	}
	if i := strings.Index(short, "区"); i > 0 && i+len("区") < len(short) {
		short = short[i+len("区"):] // 江川区江城镇 → 江城镇
	}
	for _, c := range sampleCounties {
		place = strings.Replace(place, c, short, 1)
	}
	return place
}
