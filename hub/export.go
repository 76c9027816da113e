package hub

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"budgetpoint/db"
	"budgetpoint/internal/labels"
	"budgetpoint/internal/xlprint"
	"budgetpoint/models"
)

// StatusLabel returns an opinion status in Chinese.
func StatusLabel(s string) string { return labels.Chinese("status", s) }

// sheetName makes a valid, unique worksheet name (at most 31 characters).
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, name)
	rs := []rune(name)
	if len(rs) > 28 {
		rs = rs[:28]
	}
	base := string(rs)
	out := base
	for i := 2; used[strings.ToLower(out)]; i++ {
		out = base + "(" + strconv.Itoa(i) + ")"
	}
	used[strings.ToLower(out)] = true
	return out
}

// rowWriter writes rows one after another on a stream writer.
type rowWriter struct {
	sw   *excelize.StreamWriter
	name string // of the sheet
	row  int
	err  error
}

func (w *rowWriter) put(vals ...any) {
	if w.err != nil {
		return
	}
	w.row++
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		w.err = fmt.Errorf("row %d: %w", w.row, err)
		return
	}
	if err := w.sw.SetRow(cell, vals); err != nil {
		w.err = fmt.Errorf("row %d: %w", w.row, err)
	}
}

func pct(n, of int64) string {
	if of == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(of))
}

func num(n *models.Num) any {
	if n == nil {
		return ""
	}
	s := models.FormatMilli(int64(*n))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s // FormatMilli writes a plain decimal: not reached, and the text would still be right
	}
	return f
}

func mean(m *float64) any {
	if m == nil {
		return ""
	}
	return *m
}

// writeSummary renders one summary with Chinese labels (option labels, not codes).
func writeSummary(w *rowWriter, title string, t models.Topic, s models.Summary, points int) {
	w.put(title)
	w.put("事项", t.Title)
	w.put("事项编号", s.TopicID)
	if t.Kind != "" {
		w.put("类别", labels.Chinese("kind", t.Kind))
	}
	if points > 0 {
		w.put("报送联系点数", points)
	}
	w.put("数据截至", s.AsOf.In(db.CST).Format("2006-01-02 15:04"))
	w.put()
	w.put("答卷总数", s.Responses.Total)
	for _, k := range models.RespondentKinds {
		w.put("  "+labels.Chinese("rkind", k), s.Responses.ByKind[k])
	}
	for _, k := range models.Channels {
		w.put("  "+labels.Chinese("channel", k), s.Responses.ByChannel[k])
	}
	w.put(labels.Chinese("akind", "forum")+"（场）", s.Activities.Forum)
	w.put(labels.Chinese("akind", "field_research")+"（次）", s.Activities.FieldResearch)
	w.put(labels.Chinese("akind", "written")+"（次）", s.Activities.Written)
	w.put("参加活动的"+labels.Chinese("rkind", "deputy")+"（人次）", s.Activities.Participants.Deputies)
	w.put("参加活动的"+labels.Chinese("rkind", "public")+"（人次）", s.Activities.Participants.Public)
	w.put("参加活动的"+labels.Chinese("rkind", "other")+"人员（人次）", s.Activities.Participants.Other)
	w.put("意见建议总数", s.Opinions.Total)
	for _, k := range models.OpinionSources {
		w.put("  "+labels.Chinese("source", k), s.Opinions.BySource[k])
	}
	for _, q := range s.Questionnaires {
		w.put()
		w.put("问卷", q.Title, "答卷数", q.Responses)
		w.put("题目", "题型", "选项 / 统计项", "数量", "占作答人数")
		for _, qq := range q.Questions {
			if qq.Asked != nil {
				w.put(qq.Label, labels.Chinese("qtype", qq.Type), "应答人数（按前面的回答需要回答此题的人数）", *qq.Asked)
				w.put("", "", "作答人数", qq.Answered)
			} else {
				w.put(qq.Label, labels.Chinese("qtype", qq.Type), "作答人数", qq.Answered)
			}
			switch qq.Type {
			case models.SingleChoice, models.MultipleChoice:
				seen := map[string]bool{}
				for _, o := range qq.Options {
					seen[o.Value] = true
					w.put("", "", o.Label, qq.Counts[o.Value], pct(qq.Counts[o.Value], qq.Answered))
				}
				for v, n := range qq.Counts {
					if !seen[v] { // an option only an older version had
						w.put("", "", v, n, pct(n, qq.Answered))
					}
				}
			case models.Rating:
				keys := make([]int, 0, len(qq.Counts))
				for k := range qq.Counts {
					if i, err := strconv.Atoi(k); err == nil {
						keys = append(keys, i)
					}
				}
				sort.Ints(keys)
				for _, k := range keys {
					n := qq.Counts[strconv.Itoa(k)]
					w.put("", "", strconv.Itoa(k)+" 分", n, pct(n, qq.Answered))
				}
				w.put("", "", "平均分", mean(qq.Mean))
			case models.Number:
				w.put("", "", "合计", num(qq.Sum))
				w.put("", "", "最小值", num(qq.Min))
				w.put("", "", "最大值", num(qq.Max))
				w.put("", "", "平均值", mean(qq.Mean))
			}
		}
	}
}

func proposerText(p models.Proposer) string {
	switch p.Kind {
	case "deputy":
		s := labels.Chinese("rkind", "deputy")
		if p.Level != "" {
			s = labels.Chinese("level", p.Level)
		}
		if p.Name != "" {
			s += " " + p.Name
		}
		return s
	case "public":
		if p.Description != "" {
			return labels.Chinese("rkind", "public") + "（" + p.Description + "）"
		}
		return labels.Chinese("rkind", "public")
	}
	if p.Description != "" {
		return labels.Chinese("rkind", "other") + "（" + p.Description + "）"
	}
	return labels.Chinese("rkind", p.Kind)
}

// Export builds the topic's workbook: a cross-point summary sheet, one sheet
// per point that reported the topic, and one sheet of its opinions.
func (h *Hub) Export(ctx context.Context, topicID string) (*excelize.File, error) {
	f, err := h.export(ctx, topicID)
	return f, errorf("export topic "+topicID, err)
}

func (h *Hub) export(ctx context.Context, topicID string) (*excelize.File, error) {
	sum, _, err := h.TopicSummary(ctx, topicID)
	if err != nil {
		return nil, err
	}
	t, err := h.Topic(ctx, topicID) // the committee's, or one a point created and sent
	if models.ErrorCode(err) == models.ENotFound {
		// A topic only points from before sync version 2 report: known by its id.
		t, err = models.Topic{ID: topicID, Title: topicID}, nil
	}
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			f.Close()
		}
	}()
	used := map[string]bool{}
	first := sheetName("汇总", used)
	if err := f.SetSheetName("Sheet1", first); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", first, err)
	}
	stream := func(name string, widths ...float64) (*rowWriter, error) {
		if name != first {
			if _, err := f.NewSheet(name); err != nil {
				return nil, fmt.Errorf("sheet %s: %w", name, err)
			}
		}
		cols := make([]xlprint.Cols, len(widths))
		for i, wd := range widths {
			cols[i] = xlprint.Cols{First: i + 1, Last: i + 1, Width: wd}
		}
		sw, err := xlprint.Stream(f, name, len(widths), 1, cols...)
		if err != nil {
			return nil, err
		}
		return &rowWriter{sw: sw, name: name}, nil
	}
	finish := func(w *rowWriter) error {
		if w.err != nil {
			return fmt.Errorf("sheet %s: %w", w.name, w.err)
		}
		if err := w.sw.Flush(); err != nil {
			return fmt.Errorf("sheet %s: %w", w.name, err)
		}
		return nil
	}
	w, err := stream(first, 40, 30, 24, 10, 12)
	if err != nil {
		return nil, err
	}
	writeSummary(w, "征求意见汇总（全部联系点）", t, sum, len(sum.ByPoint))
	if err := finish(w); err != nil {
		return nil, err
	}
	for _, ps := range sum.ByPoint {
		name := ps.PointID
		if p, ok := h.point(ps.PointID); ok {
			name = p.Name
		}
		w, err := stream(sheetName(name, used), 40, 30, 24, 10, 12)
		if err != nil {
			return nil, err
		}
		writeSummary(w, "征求意见汇总："+name, t, ps, 0)
		if err := finish(w); err != nil {
			return nil, err
		}
	}
	w, err = stream(sheetName("意见建议", used), 18, 14, 60, 24, 10, 18, 12, 8, 16, 40, 12, 18, 38, 38)
	if err != nil {
		return nil, err
	}
	w.put("联系点", "来源", "意见建议", "提出人", "办理状态", "承办单位", "办理期限", "轮次", "答复类别", "答复", "评价", "记录时间", "编号", "并案至")
	ops, err := h.Store.TopicOpinions(ctx, topicID)
	if err != nil {
		return nil, err
	}
	for _, o := range ops {
		round := any("")
		if o.Round > 0 {
			round = o.Round
		}
		eval := labels.Chinese("eval", o.Evaluation)
		if o.Status != "closed" && o.Evaluation != "" {
			eval = "上一轮：" + eval // reopened under supervision
		}
		w.put(h.PointName(o.PointID), labels.Chinese("source", o.Source), o.Content, proposerText(o.Proposer), StatusLabel(o.Status),
			o.LeadName, o.Due, round, labels.Chinese("grade", o.Grade), o.Answer, eval,
			o.RecordedAt.In(db.CST).Format("2006-01-02 15:04"), o.ID, o.MergedInto)
	}
	if err := finish(w); err != nil {
		return nil, err
	}
	if err := h.writeLoopStats(ctx, f, stream, finish, sheetName("办理统计", used), topicID); err != nil {
		return nil, err
	}
	ok = true
	return f, nil
}

// writeLoopStats writes the sheet of the closed loop's figures for a topic:
// the topic's (every proposer's opinion) and each unit's (opinions merged
// into one once), the same numbers as GET /api/v1/committee/stats/topics
// and /units give over that topic.
func (h *Hub) writeLoopStats(ctx context.Context, f *excelize.File, stream func(string, ...float64) (*rowWriter, error), finish func(*rowWriter) error, name, topicID string) error {
	counts, err := h.Store.loopCounts(ctx, "topic_id", true, topicID)
	if err != nil {
		return err
	}
	units, err := h.Store.unitStatistics(ctx, topicID)
	if err != nil {
		return err
	}
	w, err := stream(name, 30, 10, 10, 12, 10, 10, 10, 12, 12)
	if err != nil {
		return err
	}
	head := []any{"", "交办", "已答复", "按期答复", "超期", "已评价", "满意", "办复率", "满意率"}
	row := func(label string, c Counts) {
		w.put(label, c.Assigned, c.Answered, c.OnTime, c.Overdue, c.Evaluated, c.Satisfied, pct(c.Answered, c.Assigned), pct(c.Satisfied, c.Evaluated))
	}
	w.put("办理统计（本事项）")
	w.put(head...)
	c := Counts{}
	if p := counts[topicID]; p != nil {
		c = *p
	}
	row("全部意见（并案的每条都计）", c)
	w.put()
	w.put("各承办单位（并案的计一次）")
	head[0] = "承办单位"
	w.put(head...)
	for _, u := range units {
		if u.Assigned > 0 {
			row(u.Name, u.Counts)
		}
	}
	return finish(w)
}
