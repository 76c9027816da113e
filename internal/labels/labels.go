// Package labels holds the words of the contract's enumerations (channels,
// respondent kinds, opinion sources and statuses, evaluations, reply grades, activity and
// topic kinds, deputies' levels, question types) as {中文, English}, in one
// place: the point's pages and exports (package web, through its catalogue),
// the committee's pages and the hub's workbook all name them with these, so
// that the same thing is never called two names.
package labels

// Enums is key → {中文, English}; a key is the enumeration's prefix, a dot
// and the value as the contract spells it ("channel.online").
var Enums = map[string][2]string{
	"channel.online":        {"线上填写", "online"},
	"channel.paper":         {"纸质录入", "paper"},
	"rkind.deputy":          {"人大代表", "deputy"},
	"rkind.public":          {"群众", "member of the public"},
	"rkind.other":           {"其他", "other"},
	"status.recorded":       {"已记录", "recorded"},
	"status.reported":       {"已报送", "reported"},
	"status.forwarded":      {"已交办", "forwarded"},
	"status.accepted":       {"已签收", "accepted"},
	"status.answered":       {"已答复", "answered"},
	"status.closed":         {"已办结", "closed"},
	"eval.satisfied":        {"满意", "satisfied"},
	"eval.basic":            {"基本满意", "basically satisfied"},
	"eval.unsatisfied":      {"不满意", "not satisfied"},
	"source.questionnaire":  {"问卷调查", "questionnaire"},
	"source.forum":          {"座谈会", "forum"},
	"source.field_research": {"实地调研", "field research"},
	"source.written":        {"书面征求意见", "written solicitation"},
	"source.other":          {"其他", "other"},
	"akind.forum":           {"座谈会", "forum"},
	"akind.field_research":  {"实地调研", "field research"},
	"akind.written":         {"书面征求意见", "written solicitation"},
	"level.national":        {"全国人大代表", "national"},
	"level.provincial":      {"省人大代表", "provincial"},
	"level.municipal":       {"市人大代表", "municipal"},
	"level.county":          {"县（区）人大代表", "county"},
	"level.township":        {"乡镇人大代表", "township"},
	"qtype.single_choice":   {"单选题", "single choice"},
	"qtype.multiple_choice": {"多选题", "multiple choice"},
	"qtype.rating":          {"评分题", "rating"},
	"qtype.number":          {"数字题", "number"},
	"qtype.text":            {"填空题", "text"},
	"kind.budget_draft":     {"预算草案", "draft budget"},
	"kind.budget_execution": {"预算执行", "budget execution"},
	"kind.final_accounts":   {"决算", "final accounts"},
	"kind.state_assets":     {"国有资产管理", "state-owned assets"},
	"kind.other":            {"其他", "other"},
	"grade.A":               {"A 类：已解决", "A: solved"},
	"grade.B":               {"B 类：正在解决", "B: being solved"},
	"grade.C":               {"C 类：列入计划", "C: planned"},
	"grade.D":               {"D 类：留作参考", "D: kept for reference"},
}

// Chinese is the Chinese word of an enumeration's value (prefix "channel",
// value "paper": 纸质录入); a value it does not know is given as it is.
func Chinese(prefix, value string) string {
	if w, ok := Enums[prefix+"."+value]; ok {
		return w[0]
	}
	return value
}
