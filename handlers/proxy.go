package handlers

import (
	"net"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// httpsKey is where trustProxies leaves whether the request came over HTTPS.
const httpsKey = "budgetpoint.https"

// ParseProxy reads one --trusted-proxy value: a CIDR (10.0.0.0/8) or a bare
// IP address, taken as /32 or /128. The prefix is returned masked.
func ParseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, &net.ParseError{Type: "CIDR or IP address", Text: s}
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// setTrustedProxies makes gin believe X-Forwarded-For from the given peers
// only (none: from nobody, and c.ClientIP() is the peer address). X-Real-IP
// is not read: nginx as the README sets it up passes a client's own
// X-Real-IP on untouched.
func setTrustedProxies(r *gin.Engine, proxies []netip.Prefix) {
	var cidrs []string
	for _, p := range proxies {
		cidrs = append(cidrs, p.String())
	}
	r.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := r.SetTrustedProxies(cidrs); err != nil {
		panic(err) // the prefixes were parsed by ParseProxy: not reached
	}
}

// trustedPeer reports whether the request's peer (the TCP address, never a
// header) is inside one of the trusted proxies' prefixes.
func (s *Server) trustedPeer(c *gin.Context) bool {
	if len(s.proxies) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(c.Request.RemoteAddr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedHTTPS reports whether a trusted proxy says the client came over
// HTTPS: X-Forwarded-Proto https (the last value, the nearest proxy's, if
// there are several).
func (s *Server) forwardedHTTPS(c *gin.Context) bool {
	v := strings.Join(c.Request.Header.Values("X-Forwarded-Proto"), ",")
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(v), "https") && s.trustedPeer(c)
}

// trustProxies runs first on every request: it records whether the request
// came over HTTPS, directly or through a trusted proxy (IsHTTPS), and then
// tells browsers to come back over HTTPS only (HSTS), as serve does itself
// under --tls-cert.
func (s *Server) trustProxies(c *gin.Context) {
	https := c.Request.TLS != nil || s.forwardedHTTPS(c)
	c.Set(httpsKey, https)
	if https {
		c.Writer.Header().Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// IsHTTPS reports whether the request came over HTTPS: directly, or through
// a trusted proxy (--trusted-proxy) that says X-Forwarded-Proto: https. It
// decides Secure cookies, the scheme of this server's own address, and HSTS.
func IsHTTPS(c *gin.Context) bool {
	if v, ok := c.Get(httpsKey); ok {
		return v.(bool)
	}
	return c.Request.TLS != nil // a context that did not pass the router
}

// Scheme is "https" when IsHTTPS, else "http".
func Scheme(c *gin.Context) string {
	if IsHTTPS(c) {
		return "https"
	}
	return "http"
}

// ClientIP is the address a request came from, as the rate limits, the
// lockout and the audit log see it: the peer address, or, from a trusted
// proxy, the nearest address in X-Forwarded-For that is not a trusted proxy.
func ClientIP(c *gin.Context) string { return clientIP(c) }

func clientIP(c *gin.Context) string {
	if ip := c.ClientIP(); ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}
