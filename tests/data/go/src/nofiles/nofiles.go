// Package nofiles has no tests.
package nofiles

// Answer is 42.
const Answer = 42
