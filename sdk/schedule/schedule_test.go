package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKFPCron(t *testing.T) {
	tests := []struct {
		name    string
		expr    string
		wantErr string
	}{
		{name: "six fields", expr: "0 0 2 * * *"},
		{name: "six fields with names", expr: "0 30 6 * * MON-FRI"},
		{name: "descriptor", expr: "@daily"},
		{name: "every", expr: "@every 1h30m"},
		{name: "five fields refused with the fix", expr: "0 2 * * *", wantErr: `for the standard meaning write "0 0 2 * * *"`},
		{name: "five fields say what KFP would do", expr: "0 2 * * *", wantErr: "second 0, minute 2, hour *"},
		{name: "tz prefix", expr: "CRON_TZ=Europe/Berlin 0 0 2 * * *", wantErr: `write "0 0 2 * * *" and set the schedule's time zone`},
		{name: "seven fields", expr: "0 0 2 * * * 2026", wantErr: "has 7 fields"},
		{name: "out of range", expr: "0 61 2 * * *", wantErr: "above maximum"},
		{name: "bad descriptor", expr: "@fortnightly", wantErr: "unrecognized descriptor"},
		{name: "empty", expr: " ", wantErr: "empty expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKFPCron(tt.expr)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, IsError(err))
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestParseKFPCronIsPermissiveLikeTheServer(t *testing.T) {
	// The server accepts a 5-field expression (robfig/cron's optional day of week)…
	s, err := ParseKFPCron("0 2 * * *")
	require.NoError(t, err)
	// …and reads it as second 0 of minute 2 of every hour, not 02:00.
	next := s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Equal(t, time.Date(2026, 1, 1, 0, 2, 0, 0, time.UTC), next)

	_, err = ParseKFPCron("TZ=UTC 0 0 2 * * *")
	assert.ErrorContains(t, err, "time zone prefix")
	_, err = ParseKFPCron("1 * *")
	assert.ErrorContains(t, err, "expected 5 to 6 fields, found 3")
}

func TestRenderKFP(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	tr, err := Schedule{Cron: "0 0 2 * * *", Start: start, MaxConcurrency: 3}.KFP()
	require.NoError(t, err)
	assert.Equal(t, "0 0 2 * * *", tr.Cron)
	assert.Equal(t, int64(3), tr.MaxConcurrency)
	assert.True(t, tr.NoCatchup)
	require.NotNil(t, tr.StartTime)
	assert.Equal(t, time.UTC, tr.StartTime.Location())
	assert.True(t, tr.StartTime.Equal(start))
	assert.Nil(t, tr.EndTime)

	tr, err = Schedule{Interval: 90 * time.Minute, CatchUp: true}.KFP()
	require.NoError(t, err)
	assert.Equal(t, int64(5400), tr.IntervalSecond)
	assert.Equal(t, int64(1), tr.MaxConcurrency, "default max concurrency")
	assert.False(t, tr.NoCatchup)
}

func TestRenderKFPRefuses(t *testing.T) {
	tests := []struct {
		name    string
		s       Schedule
		wantErr string
	}{
		{"nothing", Schedule{}, "neither a cron expression nor an interval"},
		{"both", Schedule{Cron: "@daily", Interval: time.Hour}, "both"},
		{"five fields", Schedule{Cron: "*/5 * * * *"}, `write "0 */5 * * * *"`},
		{"max concurrency 0 is the default, 11 is refused", Schedule{Cron: "@daily", MaxConcurrency: 11}, "between 1 and 10"},
		{"negative max concurrency", Schedule{Cron: "@daily", MaxConcurrency: -1}, "between 1 and 10"},
		{"sub-second interval", Schedule{Interval: 1500 * time.Millisecond}, "whole number of seconds"},
		{"start after end", Schedule{Cron: "@daily", Start: time.Unix(100, 0), End: time.Unix(50, 0)}, "start is not before end"},
		{"unknown zone", Schedule{Cron: "@daily", Timezone: "Mars/Olympus"}, "unknown time zone"},
		{"zone on KFP", Schedule{Cron: "@daily", Timezone: "Europe/Berlin"}, "CRON_SCHEDULE_TIMEZONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.KFP()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestRenderArgo(t *testing.T) {
	a, err := Schedule{Cron: "0 30 2 * * 1-5", Timezone: "Europe/Berlin", MaxConcurrency: 1}.Argo()
	require.NoError(t, err)
	assert.Equal(t, ArgoCron{Schedule: "30 2 * * 1-5", Timezone: "Europe/Berlin", ConcurrencyPolicy: ArgoForbid}, a)

	a, err = Schedule{Cron: "0 0 * * * *", MaxConcurrency: 4, CatchUp: true}.Argo()
	require.NoError(t, err)
	assert.Equal(t, "0 * * * *", a.Schedule)
	assert.Equal(t, "UTC", a.Timezone)
	assert.Equal(t, ArgoAllow, a.ConcurrencyPolicy)
	require.NotNil(t, a.StartingDeadlineSeconds)
	assert.Equal(t, int64(3600), *a.StartingDeadlineSeconds, "default window is one period")

	a, err = Schedule{Interval: 15 * time.Minute, CatchUp: true, CatchUpWindow: 5 * time.Minute}.Argo()
	require.NoError(t, err)
	assert.Equal(t, "@every 15m0s", a.Schedule)
	assert.Equal(t, int64(300), *a.StartingDeadlineSeconds)

	_, err = Schedule{Cron: "30 0 2 * * *"}.Argo()
	assert.ErrorContains(t, err, `minute resolution`)
	assert.ErrorContains(t, err, `write "0 0 2 * * *"`)
	_, err = Schedule{Cron: "0 2 * * *"}.Argo()
	assert.ErrorContains(t, err, `write "0 0 2 * * *"`, "the one input form is 6 fields on both sides")
}

func TestFromStandardCron(t *testing.T) {
	got, err := FromStandardCron("30 2 * * 1-5")
	require.NoError(t, err)
	assert.Equal(t, "0 30 2 * * 1-5", got)
	a, err := Schedule{Cron: got, Timezone: "Asia/Tokyo"}.Argo()
	require.NoError(t, err)
	assert.Equal(t, "30 2 * * 1-5", a.Schedule, "round trip back to the standard form")

	got, err = FromStandardCron("@hourly")
	require.NoError(t, err)
	assert.Equal(t, "@hourly", got)

	_, err = FromStandardCron("0 30 2 * * *")
	assert.ErrorContains(t, err, "6-field seconds-first form")
	_, err = FromStandardCron("CRON_TZ=UTC 0 2 * * *")
	assert.ErrorContains(t, err, "time zone")
	_, err = FromStandardCron("0 25 * * *")
	assert.ErrorContains(t, err, "above maximum")
}
