package timeout

import (
	"testing"
	"time"
)

func TestQuick(t *testing.T) {}

// Runs past the -timeout given to go test: the binary panics.
func TestSlow(t *testing.T) {
	time.Sleep(30 * time.Second)
}
