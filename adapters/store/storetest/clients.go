package storetest

import (
	"testing"

	"gatehouse/domain"
	"gatehouse/ports"
)

// client returns a client with every stored field set, so that a backend
// dropping a field fails the round trip.
func client(id string) domain.Client {
	return domain.Client{
		ID:                      id,
		SecretHash:              domain.HashSecret("secret-of-" + id),
		Name:                    "Client " + id,
		RedirectURIs:            []string{"https://app.example/cb", "http://127.0.0.1/cb"},
		GrantTypes:              []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic,
		Scopes:                  domain.NewScopes("read", "write"),
		ApplicationType:         "web",
		ClientURI:               "https://app.example",
		LogoURI:                 "https://app.example/logo.png",
		Contacts:                []string{"ops@app.example"},
		CreatedAt:               base(),
	}
}

// testClientCRUD: ClientStore create, duplicate, get, delete, and ErrNotFound
// for absent clients on get and delete.
func testClientCRUD(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Clients
	c := client("c1")

	check(t, "DeleteClient(missing)", s.DeleteClient(ctx, c.ID), ports.ErrNotFound)
	_, err := s.GetClient(ctx, c.ID)
	check(t, "GetClient(missing)", err, ports.ErrNotFound)

	check(t, "CreateClient", s.CreateClient(ctx, c), nil)
	dup := client("c1")
	dup.Name = "impostor"
	check(t, "CreateClient(duplicate)", s.CreateClient(ctx, dup), ports.ErrAlreadyExists)

	got, err := s.GetClient(ctx, c.ID)
	check(t, "GetClient", err, nil)
	same(t, "client", c, got)

	check(t, "DeleteClient", s.DeleteClient(ctx, c.ID), nil)
	_, err = s.GetClient(ctx, c.ID)
	check(t, "GetClient(deleted)", err, ports.ErrNotFound)
	check(t, "DeleteClient(deleted)", s.DeleteClient(ctx, c.ID), ports.ErrNotFound)
}

// testClientListOrdered: ListClients returns every client ordered by id.
func testClientListOrdered(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Clients

	got, err := s.ListClients(ctx)
	check(t, "ListClients(empty)", err, nil)
	same(t, "clients of an empty store", []domain.Client(nil), got)

	for _, id := range []string{"charlie", "alpha", "bravo"} {
		check(t, "CreateClient "+id, s.CreateClient(ctx, client(id)), nil)
	}
	got, err = s.ListClients(ctx)
	check(t, "ListClients", err, nil)
	same(t, "clients", []domain.Client{client("alpha"), client("bravo"), client("charlie")}, got)
}

// testClientNoAliasing: changing slices the caller passed in or got back does
// not change the stored client.
func testClientNoAliasing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Clients
	in := client("c1")
	check(t, "CreateClient", s.CreateClient(ctx, in), nil)
	in.RedirectURIs[0], in.Scopes[0], in.Contacts[0] = "https://evil.example/cb", "admin", "evil"

	out, err := s.GetClient(ctx, "c1")
	check(t, "GetClient", err, nil)
	same(t, "client after changing the input", client("c1"), out)
	out.GrantTypes[0], out.ResponseTypes[0] = domain.GrantClientCredentials, "token"

	list, err := s.ListClients(ctx)
	check(t, "ListClients", err, nil)
	same(t, "clients after changing an output", []domain.Client{client("c1")}, list)
	list[0].RedirectURIs[1] = "https://evil.example/cb"

	again, err := s.GetClient(ctx, "c1")
	check(t, "GetClient", err, nil)
	same(t, "client after changing a listed one", client("c1"), again)
}
