package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

type clientRow struct {
	bun.BaseModel `bun:"table:clients,alias:c"`

	ID                      string    `bun:"id,pk"`
	SecretHash              string    `bun:"secret_hash"`
	Name                    string    `bun:"name"`
	RedirectURIs            []string  `bun:"redirect_uris,array"`
	GrantTypes              []string  `bun:"grant_types,array"`
	ResponseTypes           []string  `bun:"response_types,array"`
	TokenEndpointAuthMethod string    `bun:"token_endpoint_auth_method"`
	Scopes                  []string  `bun:"scopes,array"`
	ApplicationType         string    `bun:"application_type"`
	ClientURI               string    `bun:"client_uri"`
	LogoURI                 string    `bun:"logo_uri"`
	Contacts                []string  `bun:"contacts,array"`
	MetadataDocument        bool      `bun:"metadata_document"`
	CreatedAt               time.Time `bun:"created_at,nullzero"`
}

func toClientRow(c domain.Client) *clientRow {
	return &clientRow{
		ID:                      c.ID,
		SecretHash:              c.SecretHash,
		Name:                    c.Name,
		RedirectURIs:            c.RedirectURIs,
		GrantTypes:              c.GrantTypes,
		ResponseTypes:           c.ResponseTypes,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		Scopes:                  c.Scopes,
		ApplicationType:         c.ApplicationType,
		ClientURI:               c.ClientURI,
		LogoURI:                 c.LogoURI,
		Contacts:                c.Contacts,
		MetadataDocument:        c.MetadataDocument,
		CreatedAt:               c.CreatedAt,
	}
}

func (r *clientRow) domain() domain.Client {
	return domain.Client{
		ID:                      r.ID,
		SecretHash:              r.SecretHash,
		Name:                    r.Name,
		RedirectURIs:            r.RedirectURIs,
		GrantTypes:              r.GrantTypes,
		ResponseTypes:           r.ResponseTypes,
		TokenEndpointAuthMethod: r.TokenEndpointAuthMethod,
		Scopes:                  r.Scopes,
		ApplicationType:         r.ApplicationType,
		ClientURI:               r.ClientURI,
		LogoURI:                 r.LogoURI,
		Contacts:                r.Contacts,
		MetadataDocument:        r.MetadataDocument,
		CreatedAt:               r.CreatedAt,
	}
}

// CreateClient implements ports.ClientStore.
func (s *Store) CreateClient(ctx context.Context, c domain.Client) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toClientRow(c)).Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("create client %q", c.ID), err)
	}
	return nil
}

// GetClient implements ports.ClientStore.
func (s *Store) GetClient(ctx context.Context, id string) (domain.Client, error) {
	if !storable(id) {
		return domain.Client{}, fmt.Errorf("postgres: get client %q: %w", id, ports.ErrNotFound)
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r clientRow
	if err := s.db.NewSelect().Model(&r).Where("id = ?", id).Scan(ctx); err != nil {
		return domain.Client{}, classify(ctx, fmt.Sprintf("get client %q", id), err)
	}
	return r.domain(), nil
}

// ListClients implements ports.ClientStore. Ids are compared byte-wise, as
// Go compares strings, whatever the database's collation.
func (s *Store) ListClients(ctx context.Context) ([]domain.Client, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []clientRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(`id COLLATE "C"`).Scan(ctx); err != nil {
		return nil, classify(ctx, "list clients", err)
	}
	var out []domain.Client
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}

// DeleteClient implements ports.ClientStore.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewDelete().Model((*clientRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne(ctx, fmt.Sprintf("delete client %q", id), res, err)
}
