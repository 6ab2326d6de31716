module github.com/artifex-go/artifex

go 1.26
