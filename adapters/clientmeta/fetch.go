package clientmeta

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"gatehouse/domain"
)

// Descriptions shown to clients; the detail goes into the cause.
const (
	descFetch    = "client metadata document could not be fetched"
	descNotJSON  = "client metadata document is not JSON"
	descTooLarge = "client metadata document is too large"
)

// fetch GETs the document at url and validates it. It returns the response
// headers for cache freshness.
func (f *Fetcher) fetch(ctx context.Context, url string) (domain.Client, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return domain.Client{}, nil, fetchError(descFetch, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return domain.Client{}, nil, fetchError(descFetch, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		cause := fmt.Errorf("status %d", resp.StatusCode)
		if loc := resp.Header.Get("Location"); loc != "" {
			cause = fmt.Errorf("status %d redirect to %q not followed", resp.StatusCode, loc)
		}
		return domain.Client{}, nil, fetchError(descFetch, cause)
	}
	if !isJSON(resp.Header.Get("Content-Type")) {
		return domain.Client{}, nil, fetchError(descNotJSON,
			fmt.Errorf("content type %q", resp.Header.Get("Content-Type")))
	}
	if resp.ContentLength > f.cfg.MaxBytes {
		return domain.Client{}, nil, fetchError(descTooLarge,
			fmt.Errorf("content length %d over %d", resp.ContentLength, f.cfg.MaxBytes))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return domain.Client{}, nil, fetchError(descFetch, err)
	}
	if int64(len(body)) > f.cfg.MaxBytes {
		return domain.Client{}, nil, fetchError(descTooLarge,
			errors.New("body over the size limit"))
	}
	client, err := parseDocument(url, body, f.cfg.Clock())
	if err != nil {
		return domain.Client{}, nil, err
	}
	return client, resp.Header, nil
}

// isJSON accepts application/json and structured-syntax +json types.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

func fetchError(desc string, cause error) *domain.OAuthError {
	return domain.ErrInvalidClient(desc).WithCause(fmt.Errorf("clientmeta: fetch: %w", cause))
}
