package models

// Messages that the API answers from more than one place, each written once
// (the pages keep theirs in web's catalogue). Those with verbs are formats.
const (
	MsgRequired            = "必填 / required"
	MsgNoSuchTopic         = "没有这个征求意见事项 / no such topic"
	MsgNoSuchDeputy        = "代表名册中没有此人 / no such deputy in the registry"
	MsgBadCursor           = "翻页参数无效，请从第一页重新开始 / invalid cursor: start again from the first page"
	MsgInvalid             = "无效 / invalid"
	MsgDiffersFromPointID  = "与 X-Point-ID 不一致 / differs from X-Point-ID"
	MsgMinOverMax          = "最小值不能大于最大值 / min must not exceed max"
	MsgAnswerRequired      = "必答题 / required"
	MsgPasswordTooLong     = "密码不能超过 72 字节 / password at most 72 bytes"
	MsgPasswordInvisible   = "密码不能含控制字符或不可见字符 / the password must not hold control or invisible characters"
	MsgLoginName           = "用户名为 2 到 32 个字，只能用英文字母、数字、汉字和 . _ - @ / a user name is 2 to 32 characters: Latin letters, digits, Chinese characters and . _ - @ only"
	MsgWrongLogin          = "用户名或密码错误 / wrong user name or password"
	MsgUUID                = "应为 UUID / must be a UUID"
	MsgRespondentKind      = "应为人大代表、群众或其他 / must be deputy, public or other"
	MsgChooseQuestionnaire = "请选择一份问卷 / choose a questionnaire"
	MsgClosesBeforeOpens   = "截止时间不能早于开始时间 / must not be before opens_at"
	MsgBadID               = "编号只能含字母、数字、- 和 _ / id: letters, digits, - and _"

	MsgInvalidFilter = "筛选条件无效 / invalid filter"

	MsgTooLong         = "不能超过 %d 个字符 / at most %d characters"
	MsgNotInList       = "选项 %q 不在列表中 / option %q is not in the list"
	MsgBodyTooLarge    = "请求内容超过 %d 字节的上限 / the request body is over the limit of %d bytes"
	MsgCannotCreateDir = "数据目录无法创建 / cannot create data directory %s: %w"
)
