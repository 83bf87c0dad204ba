package specdrift

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// InputError reports a file that could not be read or is not what it should be: an unreadable
// file, a document that is not OpenAPI 3, or a deviations file that breaks its format. The command
// exits 2 on it.
type InputError struct {
	File string // the file at fault, as named by the user
	Msg  string // what is wrong with it
	Err  error  // the underlying error, if any
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return e.File + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.File + ": " + e.Msg
}

func (e *InputError) Unwrap() error { return e.Err }

// document is one loaded OpenAPI document with what the comparison needs to say where things are.
type document struct {
	name string      // the file name, for messages
	doc  *openapi3.T // refs resolved
	raw  *yaml.Node  // the document as YAML nodes, for line numbers (nil if unavailable)
	idx  *index      // where each schema, parameter and response is defined
}

const msgNoSuchFile = "no such file"

// maxDocumentSize bounds what is read: the provider's document is about half a megabyte.
const maxDocumentSize = 64 << 20

// loadDocument reads and loads an OpenAPI 3.0 or 3.1 document in YAML or JSON. External references
// are refused: both documents are single files.
func loadDocument(name string) (*document, error) {
	data, err := readFile(name)
	if err != nil {
		return nil, err
	}
	return parseDocument(name, data)
}

func readFile(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &InputError{File: name, Msg: msgNoSuchFile}
		}
		return nil, &InputError{File: name, Msg: "cannot read it", Err: unwrapPath(err)}
	}
	if fi.IsDir() {
		return nil, &InputError{File: name, Msg: "is a directory, not a file"}
	}
	if fi.Size() > maxDocumentSize {
		return nil, &InputError{File: name, Msg: fmt.Sprintf("is %d bytes, more than the %d this tool reads", fi.Size(), maxDocumentSize)}
	}
	data, err := os.ReadFile(name) //nolint:gosec // the user names the file to compare
	if err != nil {
		return nil, &InputError{File: name, Msg: "cannot read it", Err: unwrapPath(err)}
	}
	return data, nil
}

// unwrapPath drops the *PathError's own copy of the file name, which the InputError already says.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func parseDocument(name string, data []byte) (*document, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &InputError{File: name, Msg: "is neither YAML nor JSON", Err: err}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, &InputError{File: name, Msg: "is not an OpenAPI document (it is not a mapping with an openapi field)"}
	}
	top := root.Content[0]
	version := ""
	hasVersion := false
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "openapi":
			version, hasVersion = top.Content[i+1].Value, true
		case "swagger":
			return nil, &InputError{File: name, Msg: fmt.Sprintf("is Swagger %s; this tool reads OpenAPI 3.0 and 3.1 (convert it first)", top.Content[i+1].Value)}
		}
	}
	switch {
	case !hasVersion:
		return nil, &InputError{File: name, Msg: "is not an OpenAPI document (it has no openapi field)"}
	case !strings.HasPrefix(version, "3.0") && !strings.HasPrefix(version, "3.1"):
		return nil, &InputError{File: name, Msg: fmt.Sprintf("is OpenAPI %s; this tool reads OpenAPI 3.0 and 3.1", version)}
	}

	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, &InputError{File: name, Msg: "is not a loadable OpenAPI document", Err: err}
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, &InputError{File: name, Msg: "has no paths to compare"}
	}
	d := &document{name: name, doc: doc, raw: &root}
	d.idx = buildIndex(doc)
	return d, nil
}
