package forms

import (
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"budgetpoint/models"
)

// PointSettingsForm is the settings page's form (package web, /settings):
// the point's name in both languages and the public address that links and
// QR codes use.
type PointSettingsForm struct {
	PointName   string `form:"point_name" label:"联系点名称（中文）,name in Chinese" binding:"required,max=100"`
	PointNameEN string `form:"point_name_en" label:"联系点名称（英文）,name in English" binding:"max=200"`
	PublicURL   string `form:"public_url" label:"公开访问地址,public address" binding:"max=200"`
}

// Clean trims the fields and checks and normalizes the public address (see
// PublicBase); it returns validation_failed naming public_url when the
// address is not usable.
func (f *PointSettingsForm) Clean() error {
	f.PointName = strings.TrimSpace(f.PointName)
	f.PointNameEN = strings.TrimSpace(f.PointNameEN)
	bad := map[string]string{}
	if f.PointName == "" {
		bad["point_name"] = "联系点名称（中文）为必填项 / name in Chinese is required"
	}
	base, msg := PublicBase(f.PublicURL)
	if msg != "" {
		bad["public_url"] = msg
	} else {
		f.PublicURL = base
	}
	if len(bad) > 0 {
		return models.Invalid("系统设置", bad)
	}
	return nil
}

var hostLabelRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// PublicBase checks an address people reach the point by from outside
// ("http://192.168.1.20:8080", "https://ys.example.cn") and returns it as
// scheme://host[:port] in lower case without a trailing slash. An empty
// address is allowed (links then use the address of the request). msg is a
// "中文 / English" message when the address is not usable.
func PublicBase(s string) (base, msg string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	const (
		scheme = "公开访问地址应以 http:// 或 https:// 开头，例如 http://192.168.1.20:8080 / the public address must start with http:// or https://, e.g. http://192.168.1.20:8080"
		extra  = "公开访问地址只填协议、主机和端口，不要带路径、? 后的参数或 #，例如 https://ys.example.cn / the public address is only scheme, host and port: no path, query or #, e.g. https://ys.example.cn"
		host   = "公开访问地址的主机不对，应为 IP 地址或域名，例如 http://192.168.1.20:8080 / the host of the public address is not valid: use an IP address or a domain name, e.g. http://192.168.1.20:8080"
		port   = "公开访问地址的端口应为 1 到 65535 之间的数字 / the port of the public address must be a number from 1 to 65535"
		user   = "公开访问地址不能含用户名或密码 / the public address must not contain a user name or password"
	)
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return "", scheme
	}
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(err.Error(), "port") {
			return "", port
		}
		return "", host
	}
	switch {
	case u.User != nil:
		return "", user
	case u.Opaque != "" || u.Host == "":
		return "", host
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(s, "#"):
		return "", extra
	}
	h := strings.ToLower(u.Hostname())
	if h == "" {
		return "", host
	}
	if ip := net.ParseIP(h); ip == nil {
		if strings.Contains(h, ":") { // an IPv6 literal that does not parse
			return "", host
		}
		labels := strings.Split(strings.TrimSuffix(h, "."), ".")
		for _, l := range labels {
			if !hostLabelRe.MatchString(l) {
				return "", host
			}
		}
		// A name whose last label is all digits is a mistyped IP address ("192.168.1.256").
		if len(h) > 253 || strings.Trim(labels[len(labels)-1], "0123456789") == "" {
			return "", host
		}
	} else if ip.IsUnspecified() || ip.IsMulticast() {
		return "", host
	}
	hostport := h
	if strings.Contains(h, ":") {
		hostport = "[" + h + "]"
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", port
		}
		hostport += ":" + strconv.Itoa(n)
	} else if strings.HasSuffix(u.Host, ":") {
		return "", port
	}
	return strings.ToLower(u.Scheme) + "://" + hostport, ""
}

// NewUserForm adds a login of the point from the settings page. A password
// left empty is generated and shown once; one typed in must pass the
// password rule (models.CheckPassword, applied by db.CreateUser).
type NewUserForm struct {
	Name     string `form:"name" label:"用户名,user name" binding:"required,min=2,max=32"`
	Role     string `form:"role" label:"角色,role" binding:"required,oneof=staff deputy admin"`
	DeputyID string `form:"deputy_id" label:"代表,deputy" binding:"max=64"`
	Password string `form:"password" label:"密码,password" binding:"max=72"`
}

// Clean trims the name and ties a deputy's login to the registry: a deputy
// needs deputy_id, other roles have none.
func (f *NewUserForm) Clean() error {
	f.Name = strings.TrimSpace(f.Name)
	f.DeputyID = strings.TrimSpace(f.DeputyID)
	bad := map[string]string{}
	if strings.ContainsAny(f.Name, " \t\r\n") {
		bad["name"] = "用户名不能含空格 / the user name must not contain spaces"
	}
	if f.Role == "deputy" && f.DeputyID == "" {
		bad["deputy_id"] = "角色为人大代表时，请从代表名册中选择这位代表 / for a deputy's login, choose the deputy from the registry"
	}
	if f.Role != "deputy" {
		f.DeputyID = ""
	}
	if len(bad) > 0 {
		return models.Invalid("用户", bad)
	}
	return nil
}

// HubUserForm adds a login of the hub from its 账号管理 page; the password
// as in NewUserForm.
type HubUserForm struct {
	Name     string `form:"name" label:"用户名,user name" binding:"required,min=2,max=32"`
	Role     string `form:"role" label:"角色,role" binding:"required,oneof=committee admin unit"`
	Password string `form:"password" label:"密码,password" binding:"max=72"`
	// UnitID: a unit login's unit (承办单位), and only its.
	UnitID string `form:"unit_id" label:"所属承办单位,unit" binding:"max=64"`
}

// Clean trims the name, which must hold no space.
func (f *HubUserForm) Clean() error {
	n := NewUserForm{Name: f.Name, Role: f.Role}
	err := n.Clean()
	f.Name = n.Name
	return err
}
