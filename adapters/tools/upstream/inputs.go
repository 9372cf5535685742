package upstream

//lint:file-ignore SA1019 sampling, roots and logging are deprecated from 2026-07-28 but still carried for 2025-11-25 peers, which the gateway relays

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

// A 2026-07-28 caller cannot be sent requests in the middle of a call: the
// server answers with the questions instead (an input-required result) and
// the caller retries the call with the answers and the requestState it was
// given. Upstreams speak 2025-11-25 to Gatehouse and ask as requests, so
// for such a caller the upstream call runs on in the background, its
// questions go back as input-required results, and the retries carrying
// requestState feed the answers to it. The exchange lives in this process:
// the retries must reach the same replica (as legacy sessions must), and it
// ends with the upstream's timeout.

// exchange is one such call waiting on its caller.
type exchange struct {
	id     string
	u      *upstream
	target string // the tool, prompt or resource the call is for
	caller string // who made it: only they may answer
	asks   chan *ask
	done   chan outcome
	cancel context.CancelFunc

	mu      sync.Mutex
	pending map[string]*ask // questions sent to the caller, by key
	next    int
}

type ask struct {
	req    mcpsdk.InputRequest
	answer chan mcpsdk.InputResponse
}

type outcome struct {
	res mcpsdk.Result
	err error
}

type exchangeKey struct{}

// askGrace lets questions the upstream asks together (the SDK sends a
// result's several input requests at once) reach the caller in one
// input-required result rather than one per retry.
const askGrace = 20 * time.Millisecond

// modernCaller reports whether the caller's session cannot take requests
// mid-call. The SDK treats a session without initialize parameters as the
// latest revision; so does this.
func modernCaller(ss *mcpsdk.ServerSession) bool {
	if ss == nil {
		return false
	}
	ip := ss.InitializeParams()
	return ip == nil || ip.ProtocolVersion >= "2026-07-28"
}

// run forwards one request and returns its result, which do leaves for
// result to return. For a legacy caller it is forward. For a 2026-07-28
// caller it may return, instead of a result, the questions the upstream
// asked and the state to retry with; state and responses are what the
// retry carried. The result of a retried call is the one the first
// request's do produced, in the background.
func (u *upstream) run(ctx context.Context, session *mcpsdk.ServerSession, target string, meta mcpsdk.Meta,
	state string, responses mcpsdk.InputResponseMap,
	do func(context.Context, *mcpsdk.ClientSession, mcpsdk.Meta) error, result func() mcpsdk.Result) (mcpsdk.Result, mcpsdk.InputRequestMap, string, error) {
	if !modernCaller(session) || u.servesEra(session) {
		// Either the caller takes requests mid-call, or the upstream
		// speaks the caller's revision and its input-required results
		// pass through.
		if err := u.forward(ctx, session, meta, do); err != nil {
			return nil, nil, "", err
		}
		return result(), nil, "", nil
	}
	var ex *exchange
	if state != "" {
		ex = u.g.exchange(state)
		if ex == nil || ex.u != u || ex.target != target || ex.caller != callerKey(ctx) {
			return nil, nil, "", &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "requestState is unknown or has expired"}
		}
		if again := ex.answer(responses); len(again) > 0 {
			return nil, again, ex.id, nil
		}
	} else {
		if _, err := u.current(); err != nil {
			return nil, nil, "", &unavailableError{msg: err.Error()}
		}
		ex = u.g.newExchange(u, target, callerKey(ctx))
		bg, cancel := context.WithCancel(context.WithValue(u.g.runCtx(), exchangeKey{}, ex))
		ex.cancel = cancel
		// The first request's values (the caller, for _meta) stay; its
		// end does not end the call.
		callerCtx := context.WithoutCancel(ctx)
		go func() {
			defer cancel()
			o := outcome{res: nil}
			if err := u.forward(mergeValues(bg, callerCtx), session, meta, do); err != nil {
				o.err = err
			} else {
				o.res = result()
			}
			ex.done <- o
			// A caller that never comes back for the result leaves nothing
			// behind for longer than the upstream's timeout.
			time.AfterFunc(u.cfg.Timeout, func() { u.g.endExchange(ex) })
		}()
	}
	return u.await(ctx, ex)
}

// await waits for the upstream's next question or its result.
func (u *upstream) await(ctx context.Context, ex *exchange) (mcpsdk.Result, mcpsdk.InputRequestMap, string, error) {
	timeout := time.NewTimer(u.cfg.Timeout)
	defer timeout.Stop()
	select {
	case o := <-ex.done:
		u.g.endExchange(ex)
		return o.res, nil, "", o.err
	case a := <-ex.asks:
		asked := []*ask{a}
		grace := time.After(askGrace)
	more:
		for {
			select {
			case a := <-ex.asks:
				asked = append(asked, a)
			case <-grace:
				break more
			}
		}
		return nil, ex.send(asked), ex.id, nil
	case <-timeout.C:
		ex.cancel()
		u.g.endExchange(ex)
		return nil, nil, "", &unavailableError{msg: fmt.Sprintf("upstream %q did not answer within %s", u.cfg.Name, u.cfg.Timeout)}
	case <-ctx.Done():
		// The caller's request ended while the upstream worked: nobody is
		// left to answer or to receive the result.
		ex.cancel()
		u.g.endExchange(ex)
		return nil, nil, "", ctx.Err()
	}
}

// send records questions as pending and returns them keyed for the caller.
func (ex *exchange) send(asked []*ask) mcpsdk.InputRequestMap {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	out := mcpsdk.InputRequestMap{}
	for _, a := range asked {
		ex.next++
		key := "gatehouse-" + strconv.Itoa(ex.next)
		ex.pending[key] = a
		out[key] = a.req
	}
	return out
}

// answer hands the upstream what the caller answered and returns the
// questions still unanswered, to be asked again.
func (ex *exchange) answer(responses mcpsdk.InputResponseMap) mcpsdk.InputRequestMap {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	again := mcpsdk.InputRequestMap{}
	for key, a := range ex.pending {
		r, ok := responses[key]
		if !ok || r == nil {
			again[key] = a.req
			continue
		}
		a.answer <- r
		delete(ex.pending, key)
	}
	return again
}

// ask puts a question to the caller of the exchange in ctx, if there is
// one, and waits for the answer. ok is false when the call is not such an
// exchange.
func askCaller(ctx context.Context, c *call, req mcpsdk.InputRequest) (mcpsdk.InputResponse, bool, error) {
	if c == nil || c.exchange == nil {
		return nil, false, nil
	}
	a := &ask{req: req, answer: make(chan mcpsdk.InputResponse, 1)}
	// Either the upstream withdraws its question (ctx) or the call it
	// belongs to ends (c.ctx): nothing waits beyond that.
	select {
	case c.exchange.asks <- a:
	case <-ctx.Done():
		return nil, true, ctx.Err()
	case <-c.ctx.Done():
		return nil, true, c.ctx.Err()
	}
	select {
	case r := <-a.answer:
		return r, true, nil
	case <-ctx.Done():
		return nil, true, ctx.Err()
	case <-c.ctx.Done():
		return nil, true, c.ctx.Err()
	}
}

func (g *Gateway) newExchange(u *upstream, target, caller string) *exchange {
	var b [18]byte
	_, _ = rand.Read(b[:])
	ex := &exchange{
		id:      base64.RawURLEncoding.EncodeToString(b[:]),
		u:       u,
		target:  target,
		caller:  caller,
		asks:    make(chan *ask),
		done:    make(chan outcome, 1),
		pending: map[string]*ask{},
	}
	g.exMu.Lock()
	g.exchanges[ex.id] = ex
	g.exMu.Unlock()
	return ex
}

func (g *Gateway) exchange(id string) *exchange {
	g.exMu.Lock()
	defer g.exMu.Unlock()
	return g.exchanges[id]
}

func (g *Gateway) endExchange(ex *exchange) {
	g.exMu.Lock()
	delete(g.exchanges, ex.id)
	g.exMu.Unlock()
}

// answerAs converts the caller's answer to what the upstream asked for.
func answerAs[T any](r mcpsdk.InputResponse) (T, error) {
	var zero T
	if v, ok := r.(T); ok {
		return v, nil
	}
	return zero, fmt.Errorf("gatehouse: the caller answered with %T", r)
}

// samplingAnswer converts a sampling answer, which a 2026-07-28 caller
// gives in its tool-capable form, to the single-content result.
func samplingAnswer(r mcpsdk.InputResponse) (*mcpsdk.CreateMessageResult, error) {
	switch v := r.(type) {
	case *mcpsdk.CreateMessageResult:
		return v, nil
	case *mcpsdk.CreateMessageWithToolsResult:
		if len(v.Content) > 1 {
			return nil, errors.New("gatehouse: the caller's sampling answer has several content blocks")
		}
		out := &mcpsdk.CreateMessageResult{Meta: v.Meta, Model: v.Model, Role: v.Role, StopReason: v.StopReason}
		if len(v.Content) == 1 {
			out.Content = v.Content[0]
		}
		return out, nil
	}
	return nil, fmt.Errorf("gatehouse: the caller answered sampling with %T", r)
}

// mergeValues is a context with the cancellation of life and the values of
// values first, then life's.
func mergeValues(life, values context.Context) context.Context {
	return valuesFrom{Context: life, values: values}
}

type valuesFrom struct {
	context.Context
	values context.Context
}

func (v valuesFrom) Value(key any) any {
	if x := v.values.Value(key); x != nil {
		return x
	}
	return v.Context.Value(key)
}

// servesEra reports whether a 2026-07-28 session serves the caller.
func (u *upstream) servesEra(caller *mcpsdk.ServerSession) bool {
	cs, err := u.sessionFor(caller)
	return err == nil && modern(cs)
}

// callerKey identifies the caller of a request, for binding an exchange
// to it.
func callerKey(ctx context.Context) string {
	c, ok := app.CallerFrom(ctx)
	if !ok {
		return ""
	}
	return c.Principal.Subject + "\x00" + c.Principal.ClientID
}
