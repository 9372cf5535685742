package mcp

import (
	"context"
	"errors"
	"io"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

// RunStdio serves MCP as newline-delimited JSON-RPC over in and out until
// ctx ends or in reaches its end. Both eras work as the SDK offers them
// (server/discover and initialize). authenticate runs before every request,
// so a token that expires or is revoked mid-session stops working; its
// error reaches the client as "OAuth2 authentication failed: <cause>".
// Nothing but MCP messages is written to out. If in is an io.Closer it is
// closed when serving stops, to release the goroutine reading it.
func (s *Server) RunStdio(ctx context.Context, in io.Reader, out io.Writer, authenticate func(context.Context) (app.Caller, error)) error {
	if authenticate == nil {
		return errors.New("mcp stdio: no authenticator")
	}
	rc, ok := in.(io.ReadCloser)
	if !ok {
		rc = io.NopCloser(in)
	}
	t := &mcpsdk.IOTransport{Reader: rc, Writer: nopWriteCloser{out}}
	err := s.sdk.Run(withAuthenticate(ctx, authenticate), t)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// nopWriteCloser leaves out open: its owner (usually os.Stdout) decides.
type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
