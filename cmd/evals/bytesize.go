package main

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag value in bytes that takes a unit: 1073741824, 1GiB, 512MiB, 64KiB, 2GB.
type byteSize int64

var byteUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10},
	{"MiB", 1 << 20},
	{"GiB", 1 << 30},
	{"TiB", 1 << 40},
	{"KB", 1e3},
	{"MB", 1e6},
	{"GB", 1e9},
	{"TB", 1e12},
	{"B", 1},
}

func (b *byteSize) String() string {
	n := int64(*b)
	for i := 3; i >= 0; i-- { // TiB down to KiB
		if f := byteUnits[i].factor; n >= f && n%f == 0 {
			return strconv.FormatInt(n/f, 10) + byteUnits[i].suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (b *byteSize) Set(s string) error {
	text := strings.TrimSpace(s)
	factor := int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(text, u.suffix); ok {
			text, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a size: give a whole number of bytes above 0, with KiB, MiB, GiB, KB, MB or GB if you like (e.g. 512MiB)", s)
	}
	if n > (1<<62)/factor {
		return fmt.Errorf("%q is too large", s)
	}
	*b = byteSize(n * factor)
	return nil
}

func (*byteSize) Type() string { return "size" }
