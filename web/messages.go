package web

import "budgetpoint/internal/labels"

// catalog is every word of this package (the foundation's and the point's
// pages): the maps of its files, listed here in one place and merged once (a
// key given twice stops the program at its start, and every test with it).
// Another package of pages adds its own through Options.Messages.
var catalog = mustMerge(
	coreMessages,          // layout, errors, sign-in, common words (this file)
	summaryMessages,       // summary.go
	questionnaireMessages, // questionnaires.go
	fillMessages,          // fill.go
	activityMessages,      // activities.go
	exportMessages,        // export.go
	paperMessages,         // paper_messages.go: paper entry, Excel import, evaluation codes
	settingsMessages,      // settings.go
	auditMessages,         // audit.go
	accountMessages,       // account.go
	correctionMessages,    // corrections.go
	labels.Enums,          // internal/labels: the enumerations' words, the hub's export's too
)

func mustMerge(maps ...Messages) Messages {
	m, err := mergeMessages(maps...)
	if err != nil {
		panic(err)
	}
	return m
}

// The words of the pages (ui.md, "Words"): key → {中文, English}.
var coreMessages = map[string][2]string{
	// layout
	"layout.skip":          {"跳到正文", "Skip to content"},
	"layout.point_default": {"预算工作基层联系点 %s", "Budget-work contact point %s"},
	"layout.language":      {"语言", "Language"},
	"layout.nav":           {"主导航", "Main navigation"},
	"layout.footer":        {"玉溪市人大常委会预算工作委员会", "Budget Work Committee, Yuxi Municipal People's Congress"},
	"nav.dashboard":        {"工作台", "Dashboard"},
	"nav.topics":           {"征求意见事项", "Topics"},
	"nav.questionnaires":   {"调查问卷", "Questionnaires"},
	"nav.paper":            {"纸质问卷录入", "Paper entry"},
	"nav.activities":       {"活动", "Activities"},
	"nav.opinions":         {"意见建议", "Opinions"},
	"nav.deputies":         {"人大代表", "Deputies"},
	"nav.reports":          {"汇总与报表", "Summaries and reports"},
	"nav.my":               {"我的问卷", "My questionnaires"},
	"nav.myopinions":       {"我提出的意见", "My opinions"},
	"nav.logout":           {"退出", "Sign out"},

	// errors
	"error.title":     {"出错了", "Something went wrong"},
	"error.forbidden": {"无权访问", "Not allowed"},
	"error.home":      {"回到首页", "Back to the start"},
	"error.summary":   {"有 %d 处需要修改，请看下面标出的地方。", "%d things need fixing: see the marked fields below."},
	"error.notfound":  {"找不到这个页面", "Page not found"},

	"err.internal":       {"服务器内部错误", "internal error"},
	"err.internal_later": {"服务器内部错误，请稍后再试", "internal error: try again later"},
	"err.forbidden_page": {"您的账号无权查看此页面", "your account may not see this page"},
	"err.rate_limited":   {"提交过于频繁，请稍后再试", "too many submissions: wait a moment and try again"},
	"err.form":           {"表单无法读取", "the form could not be read"},
	"err.too_large":      {"提交的内容超过 %d 字节的上限", "what was sent is over the limit of %d bytes"},
	"err.form_values":    {"有的内容格式不对，例如年份应为数字", "some values have the wrong form, e.g. the year must be a number"},
	"err.number":         {"应为数字", "must be a number"},
	"err.whole":          {"应为不小于 0 的整数", "must be a whole number, 0 or more"},
	"err.max_below_min":  {"最大值不能小于最小值", "the maximum must not be below the minimum"},

	// login
	"login.title":      {"登录", "Sign in"},
	"login.name":       {"用户名", "User name"},
	"login.password":   {"密码", "Password"},
	"login.submit":     {"登录", "Sign in"},
	"login.expired":    {"页面已过期，请重新登录", "the page has expired: sign in again"},
	"login.missing":    {"请填写用户名和密码", "enter your user name and password"},
	"login.wrong":      {"用户名或密码不对，请再试一次", "the user name or password is wrong: try again"},
	"flash.signed_out": {"已退出登录", "You have signed out"},
	"flash.saved":      {"已保存", "Saved"},

	// time
	"age.now":     {"刚刚", "just now"},
	"age.minutes": {"%d 分钟前", "%d minutes ago"},
	"age.hours":   {"%d 小时前", "%d hours ago"},
	"age.days":    {"%d 天前", "%d days ago"},

	// dashboard and sync
	"dash.title":         {"工作台", "Dashboard"},
	"dash.open":          {"正在征求意见的事项", "Open topics"},
	"dash.none":          {"目前没有正在征求意见的事项。", "No topic is open at the moment."},
	"dash.summary":       {"汇总", "Summary"},
	"sync.title":         {"同步", "Sync"},
	"sync.last":          {"上次推送", "Last push"},
	"sync.last_pull":     {"上次拉取", "Last pull"},
	"sync.rejected":      {"有 %d 项内容预工委没有接收，已不再重发：", "%d items were not taken by the committee and are no longer sent:"},
	"sync.rejected_what": {"超出字段限制的：请在联系点更正（更正答卷或修改活动），更正后会自动重新上报。编号冲突的：请把编号告诉预工委。其余内容已正常上报。", "Over the limits: correct it here (correct the response or edit the activity) and it is sent again by itself. An id conflict: tell the committee the id. Everything else was sent as usual."},
	"sync.kind.opinion":  {"意见建议", "Opinion"},
	"sync.kind.activity": {"活动", "Activity"},
	"sync.kind.summary":  {"汇总数字", "Summary figures"},
	"sync.kind.topic":    {"事项", "Topic"},
	"sync.never":         {"尚未同步", "never"},
	"sync.queue":         {"待上报", "Waiting to send"},
	"sync.items":         {"%d 条", "%d"},
	"sync.items_more":    {"%d 条以上", "%d or more"},
	"sync.error":         {"上次错误", "Last error"},
	"sync.now":           {"立即同步", "Sync now"},
	"sync.running":       {"正在同步，请稍候…", "Syncing, please wait…"},
	"sync.done":          {"同步完成", "Sync finished"},
	"sync.failed":        {"同步没有成功", "Sync did not succeed"},
	"sync.unavailable":   {"同步功能尚未配置（没有设置预工委服务器），数据已保存在本联系点，配置后会自动补报。", "Sync is not configured (no hub set): the data is kept at this point and will be sent once it is."},
	"sync.notconfigured": {"尚未配置同步", "Sync not configured"},

	// topics
	"topics.title":     {"征求意见事项", "Topics"},
	"topics.new":       {"新建事项", "New topic"},
	"topics.edit":      {"修改事项", "Edit topic"},
	"topics.kind":      {"类别", "Kind"},
	"topics.year":      {"年度", "Fiscal year"},
	"topics.name":      {"标题", "Title"},
	"topics.name_en":   {"英文标题（可不填）", "English title (optional)"},
	"topics.summary":   {"说明", "Summary"},
	"topics.opens":     {"开始日期", "Opens on"},
	"topics.closes":    {"截止日期", "Closes on"},
	"topics.origin":    {"来源", "Origin"},
	"topics.committee": {"预工委发布", "published by the committee"},
	"topics.local":     {"本联系点", "this point"},
	"topics.readonly":  {"此事项由预工委发布，不能在联系点修改。", "This topic was published by the committee and cannot be changed here."},
	"topics.none":      {"还没有事项。", "No topics yet."},

	// common
	"common.save":      {"保存", "Save"},
	"common.cancel":    {"取消", "Cancel"},
	"common.edit":      {"修改", "Edit"},
	"common.view":      {"查看", "View"},
	"common.actions":   {"操作", "Actions"},
	"common.all":       {"全部", "All"},
	"common.filter":    {"筛选", "Filter"},
	"common.next":      {"下一页", "Next page"},
	"common.yes":       {"是", "yes"},
	"common.no":        {"否", "no"},
	"common.none":      {"无", "none"},
	"common.choose":    {"请选择", "Choose"},
	"common.print":     {"打印", "Print"},
	"common.excel":     {"导出Excel", "Export to Excel"},
	"common.preparing": {"正在生成文件，请稍候…", "Preparing the file, please wait…"},
	"common.ready":     {"文件已生成，已开始下载。", "The file is ready and downloading."},
	"common.failed":    {"没有成功，请重试。", "That did not work: try again."},

	// what is counted: a table's column, a line of a summary
	"count.responses":  {"答卷", "Responses"},
	"count.opinions":   {"意见建议", "Opinions"},
	"count.activities": {"活动", "Activities"},

	// channels (their own words, and those of every enumeration, are internal/labels')
	"channel.total": {"合计", "total"},
}
