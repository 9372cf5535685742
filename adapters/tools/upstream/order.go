package upstream

import (
	"context"
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

func (o *relayOrder) done() { o.relayed.Add(1) }

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
