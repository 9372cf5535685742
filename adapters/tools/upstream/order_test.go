package upstream

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestEventStreamCounterCountsRelayableNotificationsAsRead(t *testing.T) {
	stream := "id: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n" +
		": a comment\r\n\r\n" +
		"data: {\"jsonrpc\":\"2.0\",\n" + "data:  \"method\": \"notifications/message\", \"params\": {}}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"notifications/progress\"}\n\n" + // a request, not a notification
		"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n" +
		"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"
	order := &relayOrder{}
	// One byte at a time: events split across reads still count once.
	c := &sseCounter{ReadCloser: io.NopCloser(iotest.OneByteReader(strings.NewReader(stream))), order: order}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != stream {
		t.Error("the stream was altered")
	}
	if n := order.read.Load(); n != 2 {
		t.Errorf("counted %d relayable notifications, want 2 (progress, message)", n)
	}
}

func TestBarrierWritesOffWhatNeverArrives(t *testing.T) {
	order := &relayOrder{}
	order.read.Add(2)
	order.done()
	order.barrier(t.Context()) // waits relayWait for the second, then gives up
	if order.relayed.Load() != 2 {
		t.Errorf("relayed = %d after the barrier gave up, want 2 so later calls do not wait", order.relayed.Load())
	}
	order.barrier(t.Context()) // nothing outstanding: returns at once
}

func TestBriefErrorsKeepHostsAndDropPathsAndQueries(t *testing.T) {
	err := errors.New(`connect: calling "initialize": Post "http://10.0.0.7:8080/internal/mcp?api_key=k123": dial tcp 10.0.0.7:8080: connect: connection refused`)
	got := brief(err)
	if strings.Contains(got, "api_key") || strings.Contains(got, "/internal") {
		t.Errorf("brief = %q, still shows the path or query", got)
	}
	if !strings.Contains(got, "http://10.0.0.7:8080/…") || !strings.Contains(got, "connection refused") {
		t.Errorf("brief = %q, want the host and the cause kept", got)
	}
}

func TestASlowCallerHoldsUpOnlyItsOwnRelays(t *testing.T) {
	c := &call{}
	c.startRelays()
	stuck := make(chan struct{})
	defer close(stuck)
	// The caller stops reading: its first delivery never returns.
	if !c.relay(func() { <-stuck }) {
		t.Fatal("first relay refused")
	}
	queued := 0
	for c.relay(func() {}) {
		queued++
		if queued > relayQueue {
			t.Fatal("the queue never fills")
		}
	}
	if queued < relayQueue-1 {
		t.Errorf("queued %d before refusing, want about %d", queued, relayQueue)
	}
	// Enqueueing never blocked (the upstream's notification queue goes on);
	// flushing gives up after its limit instead of waiting for the caller.
	c.flushRelays(10 * time.Millisecond)
	if c.relay(func() {}) {
		t.Error("a relay was taken after the call ended")
	}
}
