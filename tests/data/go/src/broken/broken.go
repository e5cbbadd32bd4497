// Package broken does not compile: its tests never run.
package broken

func Broken() int { return undefinedName }
