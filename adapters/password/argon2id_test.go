package password

import "testing"

func TestArgon2idRoundTripAndRefusals(t *testing.T) {
	h := New(Params{Memory: 1024, Time: 1, Threads: 1})
	enc, err := h.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.VerifyPassword("correct horse", enc); !ok || err != nil {
		t.Fatalf("right password: got (%v, %v), want (true, nil)", ok, err)
	}
	if ok, err := h.VerifyPassword("wrong", enc); ok || err != nil {
		t.Fatalf("wrong password: got (%v, %v), want (false, nil)", ok, err)
	}
	other, _ := h.HashPassword("correct horse")
	if other == enc {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=1,t=0,p=1$AA$AA"} {
		if ok, err := h.VerifyPassword("x", bad); ok || err == nil {
			t.Errorf("VerifyPassword(%q): got (%v, %v), want (false, error)", bad, ok, err)
		}
	}
}
