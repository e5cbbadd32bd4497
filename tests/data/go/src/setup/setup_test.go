package setup

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails before any test runs.
func TestMain(m *testing.M) {
	fmt.Println("cannot reach the database")
	os.Exit(1)
}

func TestNeedsDatabase(t *testing.T) {}
