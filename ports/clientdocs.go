package ports

import (
	"context"

	"gatehouse/domain"
)

// ClientMetadataFetcher resolves a Client ID Metadata Document: a client_id
// that is an https URL naming its own metadata. The fetcher guards against
// SSRF and caches documents.
type ClientMetadataFetcher interface {
	// FetchClient returns the client described at url. The error is a
	// domain *OAuthError (invalid_client) when the document is unusable.
	FetchClient(ctx context.Context, url string) (domain.Client, error)
}
