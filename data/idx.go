package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX is an array read from or written to an IDX file, the format of the
// MNIST and Fashion-MNIST distributions: a 4-byte magic (two zero bytes, an
// element type and the number of dimensions), one big-endian uint32 per
// dimension, then the elements in row-major order. Only unsigned bytes (type
// 0x08), the type every MNIST-style file uses, are supported.
type IDX struct {
	Dims []int  // extent of each dimension, outermost first
	Data []byte // the elements, row-major; len(Data) is the product of Dims
}

const (
	idxTypeUbyte = 0x08
	// MaxIDXElements bounds the element count an IDX header may announce,
	// so that a corrupted header is reported instead of allocated.
	MaxIDXElements = 1 << 31
)

var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// ReadIDX reads an IDX file, gzip-compressed (detected by its magic bytes,
// whatever the file name) or plain. A truncated or corrupted file, an
// unsupported element type or dimensions that cannot be right are returned
// as errors that name the file.
func ReadIDX(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	var size int64 = -1
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	x, err := decodeIDX(f, size)
	if err != nil {
		return nil, fmt.Errorf("data: IDX file %s: %w", path, err)
	}
	return x, nil
}

// DecodeIDX reads an IDX array from r, gzip-compressed or plain.
func DecodeIDX(r io.Reader) (*IDX, error) {
	x, err := decodeIDX(r, -1)
	if err != nil {
		return nil, fmt.Errorf("data: IDX: %w", err)
	}
	return x, nil
}

// decodeIDX reads an IDX array; size is the byte length of r when r is known
// to be a plain file of that length, -1 otherwise.
func decodeIDX(r io.Reader, size int64) (*IDX, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip header: %w", err)
		}
		defer zr.Close()
		return decodeIDXPlain(zr, -1)
	}
	return decodeIDXPlain(br, size)
}

func decodeIDXPlain(r io.Reader, size int64) (*IDX, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("reading the magic number: %w", truncated(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("bad magic number % x: an IDX file starts with two zero bytes", magic)
	}
	if magic[2] != idxTypeUbyte {
		name, ok := idxTypeNames[magic[2]]
		if !ok {
			return nil, fmt.Errorf("bad magic number % x: unknown element type 0x%02x", magic, magic[2])
		}
		return nil, fmt.Errorf("element type 0x%02x (%s) is not supported; only unsigned bytes (0x08) are", magic[2], name)
	}
	ndims := int(magic[3])
	if ndims == 0 {
		return nil, fmt.Errorf("bad magic number % x: zero dimensions", magic)
	}
	raw := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("reading %d dimensions: %w", ndims, truncated(err))
	}
	dims := make([]int, ndims)
	n := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		dims[i] = int(d)
		// d ≤ 2^32 and n ≤ MaxIDXElements ≤ 2^31, so the product fits in int64.
		n *= d
		if n > MaxIDXElements {
			return nil, fmt.Errorf("dimensions %v announce more than %d elements", announced(raw), int64(MaxIDXElements))
		}
	}
	header := int64(4 + 4*ndims)
	if size >= 0 && size != header+n {
		if size < header+n {
			return nil, fmt.Errorf("truncated: dimensions %v need %d bytes of data, the file has %d", dims, n, size-header)
		}
		return nil, fmt.Errorf("dimensions %v need %d bytes of data, the file has %d extra bytes after them", dims, n, size-header-n)
	}
	payload, err := readExactly(r, n, size >= 0)
	if err != nil {
		return nil, fmt.Errorf("dimensions %v: %w", dims, err)
	}
	return &IDX{Dims: dims, Data: payload}, nil
}

// readExactly reads n bytes and checks that r ends right after them. When the
// length was not checked beforehand (a compressed stream), the buffer grows
// with the bytes actually present, so a lying header cannot force a large
// allocation.
func readExactly(r io.Reader, n int64, sizeChecked bool) ([]byte, error) {
	var buf []byte
	if sizeChecked {
		buf = make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("reading %d bytes of data: %w", n, truncated(err))
		}
	} else {
		var b bytes.Buffer
		got, err := b.ReadFrom(io.LimitReader(r, n))
		if err != nil {
			return nil, fmt.Errorf("reading data: %w", err)
		}
		if got < n {
			return nil, fmt.Errorf("truncated: %d bytes of data, expected %d", got, n)
		}
		buf = b.Bytes()
	}
	var extra [1]byte
	switch k, err := io.ReadFull(r, extra[:]); {
	case k > 0:
		return nil, fmt.Errorf("extra bytes after the %d bytes of data", n)
	case err != nil && err != io.EOF:
		// A gzip stream reports a bad checksum only at its end.
		return nil, fmt.Errorf("after the data: %w", err)
	}
	return buf, nil
}

func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("file truncated")
	}
	return err
}

func announced(raw []byte) []uint32 {
	out := make([]uint32, len(raw)/4)
	for i := range out {
		out[i] = binary.BigEndian.Uint32(raw[4*i:])
	}
	return out
}

// WriteIDX writes x as a plain IDX file of unsigned bytes.
func WriteIDX(w io.Writer, x *IDX) error {
	if len(x.Dims) == 0 || len(x.Dims) > 255 {
		return fmt.Errorf("data: WriteIDX: %d dimensions, the format allows 1 to 255", len(x.Dims))
	}
	n := 1
	head := []byte{0, 0, idxTypeUbyte, byte(len(x.Dims))}
	for _, d := range x.Dims {
		if d < 0 || uint64(d) > 1<<32-1 {
			return fmt.Errorf("data: WriteIDX: dimension %d out of range in %v", d, x.Dims)
		}
		n *= d
		head = binary.BigEndian.AppendUint32(head, uint32(d))
	}
	if n != len(x.Data) {
		return fmt.Errorf("data: WriteIDX: dimensions %v need %d bytes, have %d", x.Dims, n, len(x.Data))
	}
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	if _, err := w.Write(x.Data); err != nil {
		return fmt.Errorf("data: WriteIDX: %w", err)
	}
	return nil
}
