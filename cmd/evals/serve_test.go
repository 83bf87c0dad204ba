package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesTheNetworkWithoutKeys: listening beyond loopback needs --keys, and the message
// says why.
func TestServeRefusesTheNetworkWithoutKeys(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		r := newCLI(t, "").mustRun(2, "serve", "--addr", addr)
		if !strings.Contains(r.stderr, "--addr "+addr+": not a loopback address; without --keys the server accepts any key") {
			t.Errorf("--addr %s: %s", addr, r.stderr)
		}
	}
}

func TestServeKeysFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("# no keys yet\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := newCLI(t, "").mustRun(2, "serve", "--keys", empty)
	if !strings.Contains(r.stderr, "--keys "+empty+": the file lists no key") {
		t.Errorf("empty keys file: %s", r.stderr)
	}
	missing := filepath.Join(dir, "missing")
	r = newCLI(t, "").mustRun(2, "serve", "--keys", missing)
	if !strings.Contains(r.stderr, "--keys "+missing+": no such file or directory") {
		t.Errorf("missing keys file: %s", r.stderr)
	}
	keys, err := readKeys(writeFile(t, "keys", "# the team\nsk-alice\n\n  sk-bob  \n"))
	if err != nil || strings.Join(keys, ",") != "sk-alice,sk-bob" {
		t.Errorf("keys %q %v", keys, err)
	}
}

func TestMaxStoreBytesFlag(t *testing.T) {
	for in, want := range map[string]int64{"1073741824": 1 << 30, "1GiB": 1 << 30, "512MiB": 512 << 20, "2GB": 2e9, "64 KiB": 64 << 10} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("%q: %d %v, want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1GiB", "1.5GiB", "lots", "1e999", "99999999999TiB"} {
		var b byteSize
		if err := b.Set(in); err == nil {
			t.Errorf("%q accepted as %d", in, b)
		}
	}
	r := newCLI(t, "").mustRun(2, "serve", "--max-store-bytes", "lots")
	if !strings.Contains(r.stderr, "--max-store-bytes") || !strings.Contains(r.stderr, `"lots" is not a size`) {
		t.Errorf("%s", r.stderr)
	}
	b := byteSize(1 << 30)
	if b.String() != "1GiB" {
		t.Errorf("default shown as %s", b.String())
	}
}

// TestServePrintsALoopbackURLThatAnswers: a server on every interface (--addr 0.0.0.0:PORT or
// [::]:PORT, which Go's listener reports as [::]) prints http://127.0.0.1:PORT, and a client on this
// machine reaches it there.
func TestServePrintsALoopbackURLThatAnswers(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0"} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Logf("%s: %v (skipped)", addr, err)
			continue
		}
		got := clientAddr(ln.Addr())
		if !strings.HasPrefix(got, "127.0.0.1:") {
			t.Errorf("--addr %s (listening on %s): clients are told %s, want 127.0.0.1:PORT", addr, ln.Addr(), got)
		}
		c, err := net.Dial("tcp", got)
		if err != nil {
			t.Errorf("--addr %s: dial %s: %v", addr, got, err)
		} else {
			_ = c.Close()
		}
		_ = ln.Close()
	}
	if got := clientAddr(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}); got != "127.0.0.1:8080" {
		t.Errorf("a loopback listener: clients are told %s", got)
	}
}
