package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxBodySize bounds every document read from the provider, so that a
// hostile or broken endpoint cannot exhaust memory.
const maxBodySize = 1 << 20

// readBody reads at most maxBodySize bytes and fails on anything longer.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxBodySize {
		return nil, errors.New("response body too large")
	}
	return b, nil
}

// getJSON fetches a JSON document; anything but 200 is a failure.
func getJSON(ctx context.Context, client *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, stripURL(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodySize))
		return nil, fmt.Errorf("unexpected status %d", resp.StatusCode)
	}
	return readBody(resp.Body)
}

// stripURL drops the URL that net/http puts in its errors: callers name the
// endpoint with safeURL instead.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// safeURL renders u for logs and errors without user info or query, where
// some providers carry keys.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User = nil
	p.RawQuery = ""
	p.ForceQuery = false
	p.Fragment = ""
	return p.String()
}
