package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// The SDK reads an upstream's messages in order but runs notification
// handlers on a queue of their own, so a call's result can be handed back
// before the progress and log messages the upstream sent ahead of it have
// been relayed. Relayed after the result, they would reach the caller too
// late (its response stream has ended) or not at all. relayOrder counts
// the relayable notifications as they are read and as they are relayed, so
// that a call can wait for those read before its result.
type relayOrder struct {
	read, relayed atomic.Uint64
}

// relayWait bounds the wait: a notification that never reaches its handler
// must not hold every later call.
const relayWait = time.Second

func relayable(method string) bool {
	return method == "notifications/progress" || method == "notifications/message"
}

// barrier waits until every relayable notification read so far has been
// relayed, or relayWait has passed, in which case the missing ones are
// written off so that later calls do not wait for them again.
func (o *relayOrder) barrier(ctx context.Context) {
	target := o.read.Load()
	if o.relayed.Load() >= target {
		return
	}
	deadline := time.Now().Add(relayWait)
	for o.relayed.Load() < target {
		if time.Now().After(deadline) || ctx.Err() != nil {
			for {
				cur := o.relayed.Load()
				if cur >= target || o.relayed.CompareAndSwap(cur, target) {
					return
				}
			}
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// done counts one relayed notification, never beyond those read: one
// written off by a barrier and relayed late must not let a later barrier
// pass before its own notifications.
func (o *relayOrder) done() {
	for {
		cur := o.relayed.Load()
		if cur >= o.read.Load() || o.relayed.CompareAndSwap(cur, cur+1) {
			return
		}
	}
}

// transport opens a connection whose relayable notifications are counted
// into order. The SDK's Streamable HTTP connection must not be wrapped (it
// learns the negotiated session through a method only the SDK can call);
// there the HTTP connector counts as it reads the event streams.
func (u *upstream) transport(ctx context.Context, order *relayOrder) (mcpsdk.Transport, error) {
	t, err := u.cfg.Connect(context.WithValue(ctx, orderKey{}, order), u.log)
	if err != nil {
		return nil, err
	}
	if _, ok := t.(*mcpsdk.StreamableClientTransport); ok {
		return t, nil
	}
	return &orderedTransport{Transport: t, order: order}, nil
}

type orderKey struct{}

func orderFrom(ctx context.Context) *relayOrder {
	o, _ := ctx.Value(orderKey{}).(*relayOrder)
	return o
}

// sseCounter counts the relayable notifications in a Streamable HTTP
// event stream as the SDK reads its bytes, which is before it reads the
// response that follows them.
type sseCounter struct {
	io.ReadCloser
	order *relayOrder
	line  []byte
	data  []byte
}

func (s *sseCounter) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	for _, b := range p[:n] {
		if b != '\n' {
			s.line = append(s.line, b)
			continue
		}
		s.endLine()
	}
	return n, err
}

func (s *sseCounter) endLine() {
	line := bytes.TrimSuffix(s.line, []byte("\r"))
	s.line = s.line[:0]
	switch {
	case len(line) == 0: // the event ends
		if len(s.data) > 0 {
			var msg struct {
				Method string          `json:"method"`
				ID     json.RawMessage `json:"id"`
			}
			if json.Unmarshal(s.data, &msg) == nil && msg.ID == nil && relayable(msg.Method) {
				s.order.read.Add(1)
			}
		}
		s.data = s.data[:0]
	case bytes.HasPrefix(line, []byte("data:")):
		if len(s.data) > 0 {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))...)
	}
}

// countingTransport puts an sseCounter on every event stream.
type countingTransport struct {
	base  http.RoundTripper
	order *relayOrder
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.base.RoundTrip(r)
	if err != nil {
		return res, err
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body = &sseCounter{ReadCloser: res.Body, order: t.order}
	}
	if slot, ok := r.Context().Value(wireErrorKey{}).(*wireError); ok && res.StatusCode >= 400 &&
		strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		keepWireError(res, slot)
	}
	return res, err
}

// A 2026-07-28 server answers some JSON-RPC errors with an HTTP error
// status; the SDK client then keeps only their code, and the data (which
// capabilities were missing) would not reach the caller. wireError keeps
// the whole error of a request, read from the response body.
type wireError struct {
	mu  sync.Mutex
	err *jsonrpc.Error
}

type wireErrorKey struct{}

const maxWireError = 64 << 10

func keepWireError(res *http.Response, slot *wireError) {
	body, err := io.ReadAll(io.LimitReader(res.Body, maxWireError))
	_ = res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	var msg struct {
		Error *jsonrpc.Error `json:"error"`
	}
	if json.Unmarshal(body, &msg) == nil && msg.Error != nil {
		slot.mu.Lock()
		slot.err = msg.Error
		slot.mu.Unlock()
	}
}

// upstreamError is the error the upstream sent for err, whole, when an HTTP
// status stood in for it.
func (w *wireError) upstreamError(err *jsonrpc.Error) *jsonrpc.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil && w.err.Code == err.Code {
		return w.err
	}
	return err
}

// orderedTransport counts relayable notifications as the SDK reads them.
type orderedTransport struct {
	mcpsdk.Transport
	order *relayOrder
}

func (t *orderedTransport) Connect(ctx context.Context) (mcpsdk.Connection, error) {
	c, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &orderedConn{Connection: c, order: t.order}, nil
}

type orderedConn struct {
	mcpsdk.Connection
	order *relayOrder
}

func (c *orderedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if req, ok := msg.(*jsonrpc.Request); ok && err == nil && !req.IsCall() && relayable(req.Method) {
		c.order.read.Add(1)
	}
	return msg, err
}
