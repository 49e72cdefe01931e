package kfpfake

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func call(t *testing.T, method, u, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), string(b))
	return resp.StatusCode, m
}

func TestServerRefusesLikeKFP(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	api := s.URL + "/apis/v2beta1"
	tests := []struct {
		name, method, path, body string
		status, code             int
		msg                      string
	}{
		{"unknown field", "POST", "/recurringruns", `{"display_name":"a","maxConcurrency":"1"}`, 400, 3, `unknown field "maxConcurrency"`},
		{"max concurrency", "POST", "/recurringruns", `{"display_name":"a","max_concurrency":"11","trigger":{"cron_schedule":{"cron":"@daily"}}}`, 400, 3, "at least 1 and at most 10. Received 11"},
		{"bad cron", "POST", "/recurringruns", `{"display_name":"a","max_concurrency":1,"trigger":{"cron_schedule":{"cron":"TZ=UTC 0 0 2 * * *"}}}`, 400, 3, "Schedule cron is not a supported format"},
		{"no trigger", "POST", "/recurringruns", `{"display_name":"a","max_concurrency":"1"}`, 400, 3, "exactly one of trigger.cron_schedule and trigger.periodic_schedule"},
		{"zero interval", "POST", "/recurringruns", `{"display_name":"a","max_concurrency":"1","trigger":{"periodic_schedule":{"interval_second":"0"}}}`, 400, 3, "Set at interval to least 1 second"},
		{"bad policy", "DELETE", "/recurringruns/x?propagation_policy=KEEP", "", 400, 3, "propagation_policy"},
		{"unknown recurring run", "DELETE", "/recurringruns/x?propagation_policy=ORPHAN", "", 404, 5, "RecurringRun x not found"},
		{"run without pipeline", "POST", "/runs", `{"display_name":"r"}`, 400, 3, "has no pipeline"},
		{"bad filter key", "GET", "/pipelines?filter=" + url.QueryEscape(`{"predicates":[{"operation":"EQUALS","key":"colour","string_value":"x"}]}`), "", 400, 3, `filter key "colour"`},
		{"bad page token", "GET", "/experiments?page_token=zzz", "", 400, 3, "Invalid page token"},
		{"unknown path", "GET", "/nothing", "", 404, 5, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.method, api+tt.path, tt.body)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, float64(tt.code), body["code"])
			assert.Contains(t, body["message"], tt.msg)
		})
	}
	t.Run("upload errors use the upload body", func(t *testing.T) {
		status, body := call(t, "POST", api+"/pipelines/upload?name=x", "")
		assert.Equal(t, 400, status)
		assert.Contains(t, body["error_message"], "Failed to read pipeline from file")
	})
}

func TestServerTokenAndPaging(t *testing.T) {
	s := New(Options{Token: "tok", DefaultPageSize: 2})
	defer s.Close()
	status, body := call(t, "GET", s.URL+"/apis/v2beta1/experiments", "")
	assert.Equal(t, 401, status)
	assert.Equal(t, float64(16), body["code"])

	for _, n := range []string{"a", "b", "c"} {
		req, _ := http.NewRequest("POST", s.URL+"/apis/v2beta1/experiments", strings.NewReader(`{"display_name":"`+n+`"}`))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	}
	var names []string
	tok := ""
	for page := 0; ; page++ {
		require.Less(t, page, 5)
		req, _ := http.NewRequest("GET", s.URL+"/apis/v2beta1/experiments?page_token="+url.QueryEscape(tok), nil)
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var r struct {
			Experiments []struct {
				DisplayName string `json:"display_name"`
			} `json:"experiments"`
			TotalSize     int    `json:"total_size"`
			NextPageToken string `json:"next_page_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		resp.Body.Close()
		assert.Equal(t, 4, r.TotalSize)
		for _, e := range r.Experiments {
			names = append(names, e.DisplayName)
		}
		if tok = r.NextPageToken; tok == "" {
			break
		}
	}
	assert.Equal(t, []string{"Default", "a", "b", "c"}, names)
}
