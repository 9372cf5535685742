package app

// Test-only access to unexported helpers from the external test package.
var (
	SealSuccessorForTest = sealSuccessor
	OpenSuccessorForTest = openSuccessor
)
