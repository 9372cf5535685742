package ports

import "time"

// Clock tells the time; tests pass a fake one.
type Clock func() time.Time
