package calc

import (
	"fmt"
	"testing"
)

func TestAdd(t *testing.T) {
	t.Log("adding 2 and 2")
	if got := Add(2, 2); got != 4 {
		t.Fatalf("Add(2, 2) = %d, want 4", got)
	}
}

func TestAddWrong(t *testing.T) {
	fmt.Println("printed to stdout by the test")
	if got := Add(2, 2); got != 5 {
		t.Errorf("Add(2, 2) = %d, want 5", got)
	}
}

func TestSkipped(t *testing.T) {
	t.Skip("not supported on this platform")
}

// Table-driven subtests, one of them failing, one skipped, one nested.
func TestDiv(t *testing.T) {
	cases := []struct {
		name       string
		a, b, want int
	}{
		{"4/2", 4, 2, 2},
		{"9/3", 9, 3, 3},
		{"1/2", 1, 2, 1},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			if got := Div(c.a, c.b); got != c.want {
				t.Errorf("Div(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
			}
		})
	}
	t.Run("by zero", func(t *testing.T) {
		t.Skip("division by zero panics; covered elsewhere")
	})
	t.Run("nested", func(t *testing.T) {
		t.Run("deeper", func(t *testing.T) {
			t.Log("two levels down")
		})
	})
}

// Parallel subtests: their events interleave.
func TestParallel(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		n := n
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			t.Parallel()
			t.Logf("running %d", n)
		})
	}
}

func ExampleAdd() {
	fmt.Println(Add(1, 2))
	// Output: 3
}

func ExampleDiv() {
	fmt.Println(Div(9, 3))
	// Output: 4
}
