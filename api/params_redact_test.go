package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A job's parameters never show an external_api_token: not in its field, not where the client
// also wrote it into the base URL (as its user information or query) or another field, and not
// the user information of an external_base_url that has no token field.
func TestShownParametersHideTokensEverywhere(t *testing.T) {
	e := newEnv(t)
	e.noWait = true
	f := e.upload(rows(3, `{"prompt": "q%d", "response": "r"}`))
	for _, tc := range []struct {
		name          string
		judge         map[string]any
		secret, shown string
	}{
		{
			name:   "token in the URL",
			judge:  map[string]any{"external_api_token": "tok-in-url-1", "external_base_url": "https://u:tok-in-url-1@h.example/v1?k=tok-in-url-1"},
			secret: "tok-in-url-1", shown: `"external_base_url":"https://REDACTED@h.example/v1?k=REDACTED"`,
		},
		{
			name:   "userinfo without a token",
			judge:  map[string]any{"external_base_url": "https://me:pw-in-url-2@h.example/v1"},
			secret: "pw-in-url-2", shown: `"external_base_url":"https://REDACTED@h.example/v1"`,
		},
		{
			name:   "a URL that does not parse",
			judge:  map[string]any{"external_api_token": "x", "external_base_url": "https://me:pw-in-url-3@h.example:port/v1"},
			secret: "pw-in-url-3", shown: `"external_base_url":"REDACTED"`,
		},
		{
			name:   "token in the template",
			judge:  map[string]any{"external_api_token": "tok-in-tpl-4", "external_base_url": "https://h.example", "system_template": "Judge {{prompt}} (tok-in-tpl-4)"},
			secret: "tok-in-tpl-4", shown: `"system_template":"Judge {{prompt}} (REDACTED)"`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := classifyReq(f.ID, []string{"yes", "no"}, []string{"yes"})
			j := judge("m", "Judge {{prompt}}")
			j["model_source"] = "external"
			for k, v := range tc.judge {
				j[k] = v
			}
			params(req)["judge"] = j
			id := e.create(req)
			for _, path := range []string{"/evaluation/" + id, "/evaluation"} {
				_, _, b := e.request(http.MethodGet, path, nil, "")
				if strings.Contains(string(b), tc.secret) {
					t.Errorf("GET %s shows %q: %s", path, tc.secret, b)
				}
				if !strings.Contains(string(b), tc.shown) {
					t.Errorf("GET %s does not show %s: %s", path, tc.shown, b)
				}
			}
		})
	}
}
