package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"budgetpoint/db"
	"budgetpoint/hub"
	"budgetpoint/models"
)

// Units are the demo hub's units (承办单位).
var Units = []hub.Unit{
	{ID: "czj", Name: "市财政局", Kind: "department"},
	{ID: "jtj", Name: "市交通运输局", Kind: "department"},
	{ID: "jytyj", Name: "市教育体育局", Kind: "department"},
	{ID: "wjw", Name: "市卫生健康委员会", Kind: "department"},
	{ID: "gzw", Name: "市国资委", Kind: "department"},
	{ID: "cttz", Name: "玉溪市城投集团", Kind: "enterprise"},
}

// UnitLogin is the demo hub's login of 市财政局 (role unit).
const UnitLogin = "czj"

// hubOpinion is one opinion of the demo hub's handled history, and what
// became of it.
type hubOpinion struct {
	id, point, topic, source, content string
	proposer                          models.Proposer
}

var hubOpinions = []hubOpinion{
	{"demo-hub-op-1", "tonghai", "t-2027-budget-draft", "forum", "建议加大对乡村道路硬化和农村饮水安全的投入，优先安排山区村组项目。", models.Proposer{Kind: "deputy", Name: "李明", Level: "county"}},
	{"demo-hub-op-2", "hongta", "t-2027-budget-draft", "forum", "建议进一步压减一般性支出，严控“三公”经费，并公开压减的明细。", models.Proposer{Kind: "deputy", Name: "王芳", Level: "municipal"}},
	{"demo-hub-op-3", "yuanjiang", "t-2027-budget-draft", "written", "建议对教育专项资金的绩效目标进行量化，便于审查。", models.Proposer{Kind: "deputy", Name: "赵丽", Level: "municipal"}},
	{"demo-hub-op-4", "xinping", "t-2027-budget-draft", "questionnaire", "建议提高基层医疗卫生机构的经费保障水平，特别是乡镇卫生院。", models.Proposer{Kind: "public", Description: "新平县居民"}},
	{"demo-hub-op-5", "yimen", "t-2026-state-assets", "field_research", "建议建立闲置资产台账并定期向人大报告盘活进展。", models.Proposer{Kind: "deputy", Name: "张伟", Level: "county"}},
	{"demo-hub-op-6", "hongta", "t-2027-budget-draft", "forum", "建议加大乡村道路硬化投入，山区村组的道路要优先安排。", models.Proposer{Kind: "deputy", Name: "陈军", Level: "township"}},
	{"demo-hub-op-7", "jiangcheng", "t-2026-state-assets", "forum", "建议城投集团公开经营性资产的收益情况。", models.Proposer{Kind: "deputy", Name: "杨霞", Level: "provincial"}},
	{"demo-hub-op-8", "tonghai", "t-2027-budget-draft", "forum", "希望增加养老服务设施建设投入。", models.Proposer{Kind: "public", Description: "秀山街道居民"}},
}

// LoadHub gives a demo hub the demo topics, units, a unit login (UnitLogin, password
// DemoPassword) and a handled history, once: opinions as the points
// reported them, assigned, signed for, answered with grades, evaluated,
// one reopened under supervision (督办), one overdue, one due soon, one
// merged, one returned, one waiting; loading again changes nothing. Every
// step goes through the hub's service, as the committee's and the units'
// would, with its history and audit entries.
func LoadHub(ctx context.Context, h *hub.Hub, d *db.DB, out io.Writer) error {
	// The committee publishes the demo topics to every point, as it does in
	// life, so that its pages show their titles.
	for _, t := range Topics() {
		if _, err := h.Topic(ctx, t.ID); err == nil {
			continue
		}
		if _, _, err := h.PublishTopic(ctx, t, nil); err != nil {
			return err
		}
	}
	have, err := h.Store.Units(ctx)
	if err != nil {
		return err
	}
	if len(have) > 0 {
		return nil // loaded before, or a hub with its own units
	}
	committee := models.WithActor(ctx, models.Actor{User: "committee", Role: "committee"})
	for i := range Units {
		u := Units[i]
		if err := h.Store.CreateUnit(committee, &u); err != nil {
			if models.ErrorCode(err) == models.EConflict {
				return nil // another hub process on the same database loads it
			}
			return err
		}
	}
	if _, err := d.UserByName(ctx, UnitLogin); err != nil {
		if _, err := d.CreateLogin(ctx, db.NewLogin{Name: UnitLogin, Role: "unit", Password: DemoPassword, UnitID: "czj"}); err != nil {
			return err
		}
		fmt.Fprintf(out, "演示承办单位账号 / demo unit login: %s (市财政局), password %s\n", UnitLogin, DemoPassword)
	}
	byPoint := map[string][]models.Opinion{}
	var order []string
	recorded := time.Now().AddDate(0, 0, -20).Truncate(time.Second)
	for _, o := range hubOpinions {
		if byPoint[o.point] == nil {
			order = append(order, o.point)
		}
		byPoint[o.point] = append(byPoint[o.point], models.Opinion{ID: o.id, TopicID: o.topic, Source: o.source, Content: o.content,
			Proposer: o.proposer, Status: "reported", RecordedAt: recorded})
	}
	// As the points would have reported them, but no point has been in
	// contact: the points page says so.
	for _, p := range order {
		if err := h.Store.SeedOpinions(ctx, p, byPoint[p]); err != nil {
			return err
		}
	}
	unit := func(id string) context.Context {
		return models.WithActor(ctx, models.Actor{User: id, Role: "unit"})
	}
	now := h.Store.Now()
	soon := h.Calendar.Add(now, 6).Format(time.DateOnly)
	past := now.AddDate(0, 0, -3).In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	steps := []func() error{
		// 1: assigned, signed for, answered A, closed satisfied.
		func() error { return assign(committee, h, "demo-hub-op-1", "jtj", []string{"czj"}, "") },
		// 6 says the same as 1 from another point: merged, and answered with it.
		func() error { _, err := h.MergeOpinion(committee, "demo-hub-op-6", "demo-hub-op-1"); return err },
		func() error { return act(unit("jtj1"), h, "jtj", "demo-hub-op-1", hub.UnitStep{Action: "accept"}) },
		func() error {
			return act(unit("czj"), h, "czj", "demo-hub-op-1", hub.UnitStep{Action: "view", Content: "市级财政将农村公路建设资金纳入2027年预算统筹安排。"})
		},
		func() error {
			return act(unit("jtj1"), h, "jtj", "demo-hub-op-1", hub.UnitStep{Action: "reply", Grade: "A", Content: "已将42个山区村组道路硬化项目列入2027年农村公路建设计划，资金1.2亿元已落实。"})
		},
		func() error { return move(committee, h, "demo-hub-op-1", "satisfied") },
		// 2: answered B with a follow-up, closed basically satisfied.
		func() error { return assign(committee, h, "demo-hub-op-2", "czj", nil, "") },
		func() error { return act(unit("czj"), h, "czj", "demo-hub-op-2", hub.UnitStep{Action: "accept"}) },
		func() error {
			return act(unit("czj"), h, "czj", "demo-hub-op-2", hub.UnitStep{Action: "reply", Grade: "B", Content: "2027年一般性支出按5%压减，压减明细将随预算草案一并公开。"})
		},
		func() error { return move(committee, h, "demo-hub-op-2", "basic") },
		// 3: answered C, not satisfied: reopened under supervision.
		func() error { return assign(committee, h, "demo-hub-op-3", "jytyj", nil, "") },
		func() error {
			return act(unit("jytyj1"), h, "jytyj", "demo-hub-op-3", hub.UnitStep{Action: "reply", Grade: "C", Content: "将在2028年预算编制时研究设置量化绩效目标。"})
		},
		func() error { return move(committee, h, "demo-hub-op-3", "unsatisfied") },
		// 4: signed for, due within ten working days.
		func() error { return assign(committee, h, "demo-hub-op-4", "wjw", nil, soon) },
		func() error { return act(unit("wjw1"), h, "wjw", "demo-hub-op-4", hub.UnitStep{Action: "accept"}) },
		// 5: overdue (assigned with a due date now past).
		func() error {
			_, err := h.Store.AssignOpinion(committee, "demo-hub-op-5", hub.Assignment{Lead: "czj", Assist: []string{"gzw"}, Due: past})
			return err
		},
		// 7: returned by the unit, waiting to be assigned again.
		func() error { return assign(committee, h, "demo-hub-op-7", "gzw", nil, "") },
		func() error {
			return act(unit("gzw1"), h, "gzw", "demo-hub-op-7", hub.UnitStep{Action: "return", Reason: "城投集团经营性资产收益由集团公司负责答复，建议改交玉溪市城投集团。"})
		},
		// 8 waits to be assigned.
	}
	for i, s := range steps {
		if err := s(); err != nil {
			return fmt.Errorf("demo hub history, step %d: %w", i+1, err)
		}
	}
	return nil
}

func assign(ctx context.Context, h *hub.Hub, id, lead string, assist []string, due string) error {
	_, err := h.AssignOpinion(ctx, id, hub.Assignment{Lead: lead, Assist: assist, Due: due})
	return err
}

func act(ctx context.Context, h *hub.Hub, unit, id string, s hub.UnitStep) error {
	_, err := h.UnitAct(ctx, unit, id, s)
	return err
}

func move(ctx context.Context, h *hub.Hub, id, eval string) error {
	_, err := h.MoveOpinion(ctx, id, hub.OpinionPatch{Status: "closed", Evaluation: eval})
	return err
}
