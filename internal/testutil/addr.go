package testutil

import (
	"net"
	"net/http"
	"time"
)

// ClientFrom is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.2, 127.0.0.3, …: all of 127/8 is the loopback on
// Linux), so that a server sees requests from several client addresses
// without trusting any header.
func ClientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}
