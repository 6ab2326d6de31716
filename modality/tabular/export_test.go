package tabular

// SetSklearnDirForTest points Open at dir instead of Debian's place and
// returns the function that undoes it.
func SetSklearnDirForTest(dir string) func() {
	old := sklearnDir
	sklearnDir = dir
	return func() { sklearnDir = old }
}
