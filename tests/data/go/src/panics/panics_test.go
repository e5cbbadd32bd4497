package panics

import "testing"

func TestBeforePanic(t *testing.T) {}

// A panic that is not recovered ends the whole test binary.
func TestPanics(t *testing.T) {
	var m map[string]int
	m["boom"] = 1
}

// Never runs: the binary is gone.
func TestAfterPanic(t *testing.T) {}
