package wrappers

import (
	"bytes"
	"sync"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// historySpan is where one update's status and message lie in the text decodeCheckedHistory
// gathers, and its time stamp.
type historySpan struct {
	status, message [2]int // [start, end) in the gathered text; equal for "" (absent or null)
	at              time.Time
}

// historyText is what decodeCheckedHistory reuses from one call to the next.
type historyText struct {
	text  []byte
	spans []historySpan
}

// decodeCheckedHistory decodes a status history that passed checkHistory: an array of objects
// whose status and message are strings or null, whose timestamp is null or an RFC 3339 string
// without escapes that time.Time.UnmarshalJSON reads (what isRFC3339 accepts), and whose other
// members match no field. It reads what the eager decoder reads (statusHistory.UnmarshalJSONFrom,
// with encoding/json's semantics: a missing or null field is the zero value, the last of a
// repeated member wins), with two allocations for the whole history: the updates, and one string
// holding every status and message. A string with escapes or bytes outside ASCII that are not
// valid UTF-8 is left to the eager decoder. It returns false if v is not what checkHistory passes.
func decodeCheckedHistory(v []byte) (statusHistory, bool) {
	ht, _ := historyTexts.Get().(*historyText)
	defer func() {
		ht.text, ht.spans = ht.text[:0], ht.spans[:0]
		historyTexts.Put(ht)
	}()
	// str gathers the string value at v[i:end] (with its quotes) into the text.
	str := func(i, end int) ([2]int, bool) {
		s := v[i+1 : end-1]
		start := len(ht.text)
		if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
			ht.text = append(ht.text, s...)
		} else {
			var u string
			if jsonv2.Unmarshal(v[i:end], &u, decodeOptions) != nil {
				return [2]int{}, false
			}
			ht.text = append(ht.text, u...)
		}
		return [2]int{start, len(ht.text)}, true
	}
	i := skipWS(v, 0)
	if i >= len(v) || v[i] != '[' {
		return nil, false
	}
	i = skipWS(v, i+1)
	for i < len(v) && v[i] != ']' {
		if v[i] != '{' {
			return nil, false
		}
		var sp historySpan
		i = skipWS(v, i+1)
		for i < len(v) && v[i] != '}' {
			end, field := historyMember(v, i)
			if end < 0 {
				return nil, false
			}
			isStatus := v[i+1] == 's'
			i = skipWS(v, skipWS(v, end)+1) // past ':'
			if i >= len(v) {
				return nil, false
			}
			switch field {
			case memberOther:
				if i = valueEnd(v, i); i < 0 {
					return nil, false
				}
			case memberString, memberTime:
				if v[i] == 'n' {
					if field == memberTime {
						sp.at = time.Time{}
					} else if isStatus {
						sp.status = [2]int{}
					} else {
						sp.message = [2]int{}
					}
					i += len("null")
					break
				}
				end := stringEnd(v, i)
				if end < 0 {
					return nil, false
				}
				switch {
				case field == memberTime:
					if sp.at.UnmarshalJSON(v[i:end]) != nil {
						return nil, false
					}
				case isStatus:
					s, ok := str(i, end)
					if !ok {
						return nil, false
					}
					sp.status = s
				default:
					s, ok := str(i, end)
					if !ok {
						return nil, false
					}
					sp.message = s
				}
				i = end
			default:
				return nil, false
			}
			i = skipWS(v, i)
			if i < len(v) && v[i] == ',' {
				i = skipWS(v, i+1)
			}
		}
		ht.spans = append(ht.spans, sp)
		i = skipWS(v, i+1) // past '}'
		if i < len(v) && v[i] == ',' {
			i = skipWS(v, i+1)
		}
	}
	if i >= len(v) {
		return nil, false
	}
	text := string(ht.text)
	h := make(statusHistory, len(ht.spans))
	for k, sp := range ht.spans {
		h[k] = StatusUpdate{
			Status:  Status(text[sp.status[0]:sp.status[1]]),
			Message: text[sp.message[0]:sp.message[1]],
			Time:    sp.at,
		}
	}
	return h, true
}

var historyTexts = sync.Pool{New: func() any { return new(historyText) }}
