package committee

import (
	"context"
	"sort"

	"budgetpoint/hub"
	"budgetpoint/web"
)

// The 活动 section of the hub's topic page: the activities (座谈会, 实地调研,
// 书面征求意见) every point pushed for the topic, newest first, with a link
// per point that shows only that point's.

var activityMessages = web.Messages{
	"hub.act.title":      {"活动", "Activities"},
	"hub.act.lead":       {"各联系点就此事项开展的座谈会、实地调研和书面征求意见，按日期排列，最近的在前。", "The forums, field research visits and written solicitations the points held on this topic, most recent first."},
	"hub.act.none":       {"还没有联系点报送这个事项的活动。", "No point has reported an activity on this topic yet."},
	"hub.act.none_point": {"%s 还没有报送这个事项的活动。", "%s has not reported an activity on this topic yet."},
	"hub.act.by_point":   {"按联系点查看活动", "Activities by point"},
	"hub.act.point_link": {"%s（%d 次）", "%s (%d)"},
	"hub.act.only":       {"只显示 %s 的活动。", "Showing the activities of %s only."},
	"hub.act.show_all":   {"显示所有联系点的活动", "Show every point's activities"},
	"hub.act.of_point":   {"查看该联系点的活动（%d 次）", "See this point's activities (%d)"},
	"hub.act.caption":    {"此事项的活动", "Activities on this topic"},
	"hub.act.caption_of": {"%s 就此事项开展的活动", "Activities of %s on this topic"},
	"hub.act.kind":       {"类别", "Kind"},
	"hub.act.name":       {"名称", "Title"},
	"hub.act.location":   {"地点", "Location"},
	"hub.act.parts":      {"参加人员", "Participants"},
	"hub.act.more":       {"只列出了最先收到的 %d 次活动；其余的可通过 /api/v1/committee/activities 查询。", "Only the first %d activities received are listed; the rest are in /api/v1/committee/activities."},
}

// hubActsMax bounds the activities one topic page lists.
const hubActsMax = 500

// hubActRow is one activity as the topic page lists it.
type hubActRow struct {
	hub.HubActivity
	PointName string
}

// hubActPoint is one point with activities on the topic.
type hubActPoint struct {
	ID, Name string
	N        int
}

type hubActsData struct {
	Rows      []hubActRow // shown (all, or Point's only)
	Points    []hubActPoint
	Count     map[string]int // activities by point
	Point     string         // ?point=: show this point's only
	PointName string
	More      bool // more than hubActsMax
	Max       int
}

// topicActivities gathers the topic's activities for the page; with point
// set, only that point's are shown (the links per point still count all).
func (p *Pages) topicActivities(ctx context.Context, lang, topicID, point string) (*hubActsData, error) {
	pg, err := p.H.Activities(ctx, hub.ActivityFilter{Topic: topicID, Limit: hubActsMax})
	if err != nil {
		return nil, err
	}
	d := &hubActsData{Count: map[string]int{}, Point: point, More: pg.Next != nil, Max: hubActsMax}
	if point != "" {
		d.PointName = p.pointName(lang, point)
	}
	order := map[string]int{}
	for i, pt := range p.H.Points {
		order[pt.ID] = i
	}
	rank := func(id string) int {
		if i, ok := order[id]; ok {
			return i
		}
		return len(order)
	}
	names := map[string]string{}
	for _, a := range pg.Items {
		if _, ok := names[a.PointID]; !ok {
			names[a.PointID] = p.pointName(lang, a.PointID)
			d.Points = append(d.Points, hubActPoint{ID: a.PointID, Name: names[a.PointID]})
		}
		d.Count[a.PointID]++
		if point == "" || a.PointID == point {
			d.Rows = append(d.Rows, hubActRow{HubActivity: a, PointName: names[a.PointID]})
		}
	}
	for i := range d.Points {
		d.Points[i].N = d.Count[d.Points[i].ID]
	}
	sort.SliceStable(d.Points, func(i, j int) bool {
		ri, rj := rank(d.Points[i].ID), rank(d.Points[j].ID)
		if ri != rj {
			return ri < rj
		}
		return d.Points[i].ID < d.Points[j].ID
	})
	// Newest held_on first (dates are YYYY-MM-DD); the same day by point.
	sort.SliceStable(d.Rows, func(i, j int) bool {
		a, b := d.Rows[i], d.Rows[j]
		if a.HeldOn != b.HeldOn {
			return a.HeldOn > b.HeldOn
		}
		return rank(a.PointID) < rank(b.PointID)
	})
	return d, nil
}
