package wrappers

import (
	"fmt"
	"strings"
)

// syntaxExpected maps the context of a syntax error of encoding/json ("invalid character 'x'
// <context>") to what the reader should have written there. The list is the scanner's own, in
// full; a context missing from it is said without an expectation.
var syntaxExpected = map[string]string{
	"looking for beginning of value":             "a value (an object, array, string, number, true, false or null)",
	"looking for beginning of object key string": `a field name in double quotes (a comma before "}" is not allowed)`,
	"after object key":                           `":" after the field name`,
	"after object key:value pair":                `"," or "}" after the value`,
	"after array element":                        `"," or "]" after the value`,
	"after top-level value":                      "the end of the line",
	"in string literal":                          `a character that may stand in a string (control characters are written as escapes such as \n)`,
	"in string escape code":                      `an escape such as \", \\, \/, \b, \f, \n, \r, \t or \uXXXX`,
	`in \u hexadecimal character escape`:         `four hexadecimal digits after \u`,
	"in numeric literal":                         "a digit",
	"after decimal point in numeric literal":     "a digit after the decimal point",
	"in exponent of numeric literal":             "a digit in the exponent",
	"exceeded max depth":                         "less deeply nested values",
}

// syntaxWords says what the message of a syntax error of encoding/json means in a reader's words:
// what was expected and what was found, as in `expected "," or "}" after the value, found "x"`.
// Its input is the message without position, such as "invalid character 'o' in literal null
// (expecting 'u')"; the result holds none of the decoder's own words.
//
// atStart says that the error is at the first byte of a line, where a row's object starts.
func syntaxWords(msg string, atStart bool) string {
	rest, ok := strings.CutPrefix(msg, "invalid character ")
	if !ok || len(rest) < 3 || rest[0] != '\'' {
		return "not valid JSON"
	}
	// The character is quoted Go-style between single quotes: find the closing quote, which is
	// followed by a space and the context.
	end := strings.Index(rest[1:], "' ")
	if end < 0 {
		return "not valid JSON"
	}
	char, context := rest[1:end+1], rest[end+3:]
	found := describeFound(char)
	if lit, ok := strings.CutPrefix(context, "in literal "); ok {
		word, _, _ := strings.Cut(lit, " ")
		return fmt.Sprintf("expected %s, found %s%s", word, found, quoteHint(char))
	}
	if want, ok := syntaxExpected[context]; ok {
		hint := ""
		if context == "looking for beginning of value" {
			if atStart {
				return `expected "{" (each line is one JSON object), found ` + found
			}
			hint = quoteHint(char)
		}
		return "expected " + want + ", found " + found + hint
	}
	return "unexpected " + found
}

// describeFound names a character as encoding/json quoted it between single quotes: a printable
// one in double quotes, a control character by its code.
func describeFound(quoted string) string {
	switch quoted {
	case `\''`, `\'`:
		return `"'"`
	case `"`:
		return `'"'`
	case `\t`:
		return "a tab"
	case `\n`, `\r`:
		return "a line break"
	}
	if strings.HasPrefix(quoted, `\x`) || strings.HasPrefix(quoted, `\u`) || (strings.HasPrefix(quoted, `\`) && len(quoted) == 2) {
		return "a control character (" + strings.Replace(quoted, `\x`, "0x", 1) + ")"
	}
	return `"` + quoted + `"`
}

// quoteHint reminds that text is written in double quotes, where a letter was found instead of a
// value: {"ok": yes} and {"ok": no} are the usual slips.
func quoteHint(char string) string {
	if len(char) == 1 && (char[0]|0x20 >= 'a' && char[0]|0x20 <= 'z') {
		return " (text is written in double quotes)"
	}
	return ""
}
