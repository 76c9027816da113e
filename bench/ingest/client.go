package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The load generator shares the machine's two cores with the server, so every
// microsecond it spends is taken from the server. leanConn is a minimal
// HTTP/1.1 keep-alive client (one connection per simulated client, the whole
// request written in one call, the answer parsed just enough to read its
// status and body); net/http's client costs several times more CPU per
// request. -std-client measures with net/http instead.

type leanConn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
	w    bytes.Buffer
}

func newLeanConn(base string) (*leanConn, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return nil, fmt.Errorf("bad server URL %q", base)
	}
	return &leanConn{addr: u.Host}, nil
}

func (l *leanConn) close() {
	if l.c != nil {
		l.c.Close()
		l.c = nil
	}
}

// post sends one request and returns the status and the start of the body.
func (l *leanConn) post(path, token string, body []byte, out []byte) (int, int, error) {
	if l.c == nil {
		c, err := net.DialTimeout("tcp", l.addr, 5*time.Second)
		if err != nil {
			return 0, 0, err
		}
		l.c, l.r = c, bufio.NewReaderSize(c, 4096)
	}
	l.w.Reset()
	l.w.WriteString("POST ")
	l.w.WriteString(path)
	l.w.WriteString(" HTTP/1.1\r\nHost: ")
	l.w.WriteString(l.addr)
	l.w.WriteString("\r\nAuthorization: Bearer ")
	l.w.WriteString(token)
	l.w.WriteString("\r\nContent-Type: application/json\r\nContent-Length: ")
	l.w.WriteString(strconv.Itoa(len(body)))
	l.w.WriteString("\r\n\r\n")
	l.w.Write(body)
	l.c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := l.c.Write(l.w.Bytes()); err != nil {
		l.close()
		return 0, 0, err
	}
	status, n, keep, err := readResponse(l.r, out)
	if err != nil || !keep {
		l.close()
	}
	return status, n, err
}

// readResponse reads one HTTP/1.1 response, copying up to len(out) bytes of
// its body into out.
func readResponse(r *bufio.Reader, out []byte) (status, n int, keep bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, 0, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, keep := -1, false, true
	for {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return 0, 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, err = strconv.Atoi(string(v))
			if err != nil {
				return 0, 0, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			keep = !bytes.EqualFold(v, []byte("close"))
		}
	}
	switch {
	case chunked:
		n, err = readChunked(r, out)
		return status, n, keep, err
	case length >= 0:
		n, err = io.ReadFull(r, out[:min(length, len(out))])
		if err == nil && length > n {
			_, err = r.Discard(length - n)
		}
		return status, n, keep, err
	}
	return status, 0, false, errors.New("a response without Content-Length")
}

func readChunked(r *bufio.Reader, out []byte) (int, error) {
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return n, err
		}
		size, err := strconv.ParseInt(strings.TrimSpace(strings.SplitN(line, ";", 2)[0]), 16, 64)
		if err != nil {
			return n, fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for { // trailers, then the blank line
				l, err := r.ReadSlice('\n')
				if err != nil {
					return n, err
				}
				if len(bytes.TrimRight(l, "\r\n")) == 0 {
					return n, nil
				}
			}
		}
		m, err := io.ReadFull(r, out[n:n+min(int(size), len(out)-n)])
		n += m
		if err == nil && int(size) > m {
			_, err = r.Discard(int(size) - m)
		}
		if err == nil {
			_, err = r.Discard(2) // CRLF
		}
		if err != nil {
			return n, err
		}
	}
}

// stdPost sends one request with net/http.
func stdPost(client *http.Client, base, path, token string, body []byte, out []byte) (int, int, error) {
	hr, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	hr.Header.Set("Authorization", "Bearer "+token)
	hr.Header.Set("Content-Type", "application/json")
	res, err := client.Do(hr)
	if err != nil {
		return 0, 0, err
	}
	n, _ := io.ReadFull(res.Body, out)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, nil
}
