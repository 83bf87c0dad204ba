package main

import (
	"context"
	"errors"

	"github.com/evalkit/together-evals/wrappers"
)

// uploadInput checks and uploads a local input file. (Waiting for the data branch.)
func uploadInput(_ context.Context, _ *app, _ *wrappers.Client, _ string, _ wrappers.CreateRequest) (string, error) {
	return "", errors.New("TODO: --input needs wrappers.UploadFile")
}
