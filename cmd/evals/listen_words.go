package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenProblem says why serve could not listen on addr, in the words of its --addr flag rather
// than the network package's ("listen tcp 127.0.0.1:8080: bind: address already in use").
func listenProblem(addr string, err error) string {
	var ae *net.AddrError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Sprintf("%s is already in use: stop what listens there, or give another port (--addr 127.0.0.1:0 picks a free one)", clean(addr))
	case errors.Is(err, syscall.EACCES):
		return fmt.Sprintf("%s: permission denied (ports below 1024 need privileges; --addr 127.0.0.1:0 picks a free one)", clean(addr))
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Sprintf("%s: no network interface of this machine has that address", clean(addr))
	case errors.As(err, &ae):
		return fmt.Sprintf("%q is not an address to listen on, such as 127.0.0.1:8080: %s", addr, ae.Err)
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return clean(addr) + ": " + errText(oe.Err)
	}
	return errText(err)
}
