package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// KFP's bounds on a recurring run's max_concurrency, from the API server's
// validation (backend/src/apiserver/server/api_converter.go: "Max concurrency
// of a recurring run must be at least 1 and at most 10").
const (
	MinMaxConcurrency = 1
	MaxMaxConcurrency = 10
)

// Schedule says when a pipeline runs. Exactly one of Cron and Interval is set.
type Schedule struct {
	// Cron is a 6-field, seconds-first cron expression
	// "second minute hour day-of-month month day-of-week" (KFP's format:
	// github.com/robfig/cron's default parser), e.g. "0 0 2 * * *" for 02:00
	// every day, or a descriptor: @yearly, @annually, @monthly, @weekly,
	// @daily, @midnight, @hourly, "@every <duration>".
	Cron string
	// Interval runs the pipeline every Interval, in whole seconds, at least 1s.
	Interval time.Duration
	// Start is the first time a run may start. Optional: zero means now.
	Start time.Time
	// End is the time after which no run starts. Optional: zero means never.
	End time.Time
	// Timezone is the IANA time zone the cron expression is read in, e.g.
	// "Europe/Berlin". Optional: defaults to UTC. KFP has no per-schedule time
	// zone (its controller reads cron in its CRON_SCHEDULE_TIMEZONE), so KFP
	// refuses any zone other than UTC.
	Timezone string
	// MaxConcurrency is the maximum number of runs of this schedule running
	// at once. Optional: defaults to 1. KFP accepts 1–10.
	MaxConcurrency int
	// CatchUp runs the schedules missed while the schedule was paused or the
	// controller was down. Optional: defaults to false (only the latest
	// missed schedule runs on KFP; none on Argo).
	CatchUp bool
	// CatchUpWindow bounds how late a missed Argo schedule may still start
	// (Argo's startingDeadlineSeconds) when CatchUp is true. Optional:
	// defaults to one period of the schedule. KFP ignores it.
	CatchUpWindow time.Duration
}

// Error is a schedule that cannot be rendered: Field names the offending
// field ("cron", "interval", "max_concurrency", "timezone", "start/end"),
// Fix says how to correct it, with the corrected expression when there is one.
type Error struct {
	Field string
	Value string
	Msg   string
	Fix   string
}

// Error formats the error as "schedule <field> <value>: <msg>; <fix>".
func (e *Error) Error() string {
	s := "schedule " + e.Field
	if e.Value != "" {
		s += " " + strconv.Quote(e.Value)
	}
	s += ": " + e.Msg
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// kfpParser is KFP's cron parser: robfig/cron's default
// "Second | Minute | Hour | Dom | Month | DowOptional | Descriptor"
// (cron.Parse of github.com/robfig/cron v1.2.0, which KFP's API server and
// scheduledworkflow controller call).
var kfpParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.DowOptional | cron.Descriptor)

// ParseKFPCron parses expr exactly as KFP's API server validates a recurring
// run's cron (a 6-field seconds-first expression, a 5-field expression read as
// "sec min hour dom month", or a descriptor) and returns the schedule. It
// refuses a TZ=/CRON_TZ= prefix, which KFP's parser (robfig/cron v1.2.0) does
// not know. It is the permissive server-side check: use Schedule.KFP to also
// refuse the 5-field form.
func ParseKFPCron(expr string) (cron.Schedule, error) {
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return nil, fmt.Errorf("expected 5 to 6 fields, found a time zone prefix: %s", expr)
	}
	return kfpParser.Parse(expr)
}

// CheckKFPCron checks that expr is a cron expression that means the same to
// KFP as to its writer: 6 fields, seconds first, or a descriptor. A 5-field
// expression is refused with the 6-field form that runs at the time the
// writer most likely meant ("0 " + expr).
func CheckKFPCron(expr string) error {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return &Error{Field: "cron", Msg: "empty expression", Fix: `write 6 fields, seconds first, e.g. "0 0 2 * * *" for 02:00 every day`}
	}
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		rest := expr
		if i := strings.IndexByte(expr, ' '); i > 0 {
			rest = strings.TrimSpace(expr[i:])
		}
		return &Error{Field: "cron", Value: expr, Msg: "a time zone prefix is not part of KFP's cron format",
			Fix: fmt.Sprintf("write %q and set the schedule's time zone instead", rest)}
	}
	if strings.HasPrefix(expr, "@") {
		if _, err := kfpParser.Parse(expr); err != nil {
			return &Error{Field: "cron", Value: expr, Msg: err.Error(), Fix: "use @yearly, @monthly, @weekly, @daily, @hourly or \"@every <duration>\""}
		}
		return nil
	}
	fields := strings.Fields(expr)
	switch len(fields) {
	case 6:
	case 5:
		fixed := "0 " + strings.Join(fields, " ")
		return &Error{Field: "cron", Value: expr,
			Msg: fmt.Sprintf("has 5 fields, but KFP reads cron with 6 fields, seconds first, and would run this at %s",
				describe5As6(fields)),
			Fix: fmt.Sprintf("for the standard meaning write %q", fixed)}
	default:
		return &Error{Field: "cron", Value: expr, Msg: fmt.Sprintf("has %d fields", len(fields)),
			Fix: `write 6 fields, seconds first: "second minute hour day-of-month month day-of-week", e.g. "0 0 2 * * *"`}
	}
	if _, err := kfpParser.Parse(expr); err != nil {
		return &Error{Field: "cron", Value: expr, Msg: err.Error(),
			Fix: `fields are "second minute hour day-of-month month day-of-week" with ranges 0-59, 0-59, 0-23, 1-31, 1-12, 0-6`}
	}
	return nil
}

// describe5As6 says what KFP would make of a 5-field expression.
func describe5As6(f []string) string {
	return fmt.Sprintf("second %s, minute %s, hour %s, day-of-month %s, month %s", f[0], f[1], f[2], f[3], f[4])
}

// Validate checks the schedule without rendering it: one of Cron and
// Interval, a valid cron, a whole-second interval of at least 1s, Start
// before End, a known time zone, and MaxConcurrency within 1–10 when set.
func (s Schedule) Validate() error {
	switch {
	case s.Cron == "" && s.Interval == 0:
		return &Error{Field: "cron", Msg: "neither a cron expression nor an interval is set", Fix: "set Cron (e.g. \"0 0 2 * * *\") or Interval (e.g. 1h)"}
	case s.Cron != "" && s.Interval != 0:
		return &Error{Field: "cron", Value: s.Cron, Msg: "both a cron expression and an interval are set", Fix: "keep only one of them"}
	}
	if s.Cron != "" {
		if err := CheckKFPCron(s.Cron); err != nil {
			return err
		}
	} else {
		if s.Interval < time.Second || s.Interval%time.Second != 0 {
			return &Error{Field: "interval", Value: s.Interval.String(), Msg: "must be a whole number of seconds, at least 1s",
				Fix: fmt.Sprintf("use %s", max(s.Interval.Round(time.Second), time.Second))}
		}
	}
	if !s.Start.IsZero() && !s.End.IsZero() && !s.Start.Before(s.End) {
		return &Error{Field: "start/end", Value: s.Start.Format(time.RFC3339) + " / " + s.End.Format(time.RFC3339),
			Msg: "start is not before end", Fix: "move the end after the start, or leave one of them unset"}
	}
	if s.Timezone != "" {
		if _, err := time.LoadLocation(s.Timezone); err != nil {
			return &Error{Field: "timezone", Value: s.Timezone, Msg: "unknown time zone", Fix: `use an IANA name such as "UTC" or "Europe/Berlin"`}
		}
	}
	if s.MaxConcurrency != 0 && (s.MaxConcurrency < MinMaxConcurrency || s.MaxConcurrency > MaxMaxConcurrency) {
		return &Error{Field: "max_concurrency", Value: strconv.Itoa(s.MaxConcurrency),
			Msg: fmt.Sprintf("must be between %d and %d (KFP's bound)", MinMaxConcurrency, MaxMaxConcurrency),
			Fix: fmt.Sprintf("use a value from %d to %d", MinMaxConcurrency, MaxMaxConcurrency)}
	}
	if s.CatchUpWindow < 0 {
		return &Error{Field: "catch_up_window", Value: s.CatchUpWindow.String(), Msg: "is negative", Fix: "use a positive duration or leave it unset"}
	}
	return nil
}

// maxConcurrency returns MaxConcurrency with its default applied.
func (s Schedule) maxConcurrency() int {
	if s.MaxConcurrency == 0 {
		return 1
	}
	return s.MaxConcurrency
}

// KFPTrigger is a schedule rendered for a KFP recurring run (API v2beta1
// RecurringRun): exactly one of Cron and IntervalSecond is set.
type KFPTrigger struct {
	// Cron is trigger.cron_schedule.cron: 6 fields, seconds first, or a descriptor.
	Cron string
	// IntervalSecond is trigger.periodic_schedule.interval_second, in seconds.
	IntervalSecond int64
	// StartTime and EndTime go to the trigger's start_time and end_time; nil when unset.
	StartTime, EndTime *time.Time
	// MaxConcurrency is the recurring run's max_concurrency, 1–10.
	MaxConcurrency int64
	// NoCatchup is the recurring run's no_catchup.
	NoCatchup bool
}

// KFP renders the schedule for a KFP recurring run. It returns an *Error for
// an invalid schedule, for a 5-field cron (with the 6-field form to use), and
// for a Timezone other than UTC (KFP reads cron in its controller's zone).
func (s Schedule) KFP() (KFPTrigger, error) {
	if err := s.Validate(); err != nil {
		return KFPTrigger{}, err
	}
	switch s.Timezone {
	case "", "UTC", "Etc/UTC":
	default:
		return KFPTrigger{}, &Error{Field: "timezone", Value: s.Timezone,
			Msg: "KFP recurring runs have no per-schedule time zone: the scheduledworkflow controller reads cron in its CRON_SCHEDULE_TIMEZONE (UTC unless the cluster sets it)",
			Fix: "write the cron in UTC and leave the time zone unset"}
	}
	t := KFPTrigger{Cron: strings.TrimSpace(s.Cron), MaxConcurrency: int64(s.maxConcurrency()), NoCatchup: !s.CatchUp}
	if s.Interval != 0 {
		t.IntervalSecond = int64(s.Interval / time.Second)
	}
	if !s.Start.IsZero() {
		st := s.Start.UTC()
		t.StartTime = &st
	}
	if !s.End.IsZero() {
		en := s.End.UTC()
		t.EndTime = &en
	}
	return t, nil
}

// Argo concurrency policies (CronWorkflowSpec.concurrencyPolicy).
const (
	ArgoAllow   = "Allow"
	ArgoForbid  = "Forbid"
	ArgoReplace = "Replace"
)

// ArgoCron is a schedule rendered as the plain values of an Argo
// CronWorkflowSpec; the Argo compiler copies them onto wfv1.CronWorkflowSpec.
type ArgoCron struct {
	// Schedule is the 5-field standard cron "minute hour dom month dow", a
	// descriptor, or "@every <duration>" for an interval.
	Schedule string
	// Timezone is the IANA zone the schedule is read in: "UTC" when the
	// schedule has none, since Argo's own default is the controller's local time.
	Timezone string
	// ConcurrencyPolicy is "Forbid" when MaxConcurrency is 1, else "Allow"
	// (Argo cannot cap concurrent runs at a number above 1).
	ConcurrencyPolicy string
	// StartingDeadlineSeconds is nil without catch-up (Argo then skips missed
	// schedules), else the catch-up window in seconds.
	StartingDeadlineSeconds *int64
	// Start and End are the schedule's bounds, zero when unset; CronWorkflowSpec
	// has no fields for them, the compiler may express them with `when`.
	Start, End time.Time
}

// Argo renders the schedule for an Argo CronWorkflow. The 6-field cron loses
// its seconds field, which must be "0" (Argo has minute resolution); an
// interval becomes "@every <interval>". It returns an *Error otherwise.
func (s Schedule) Argo() (ArgoCron, error) {
	if err := s.Validate(); err != nil {
		return ArgoCron{}, err
	}
	a := ArgoCron{Timezone: s.Timezone, Start: s.Start, End: s.End, ConcurrencyPolicy: ArgoForbid}
	if a.Timezone == "" {
		a.Timezone = "UTC"
	}
	if s.maxConcurrency() > 1 {
		a.ConcurrencyPolicy = ArgoAllow
	}
	expr := strings.TrimSpace(s.Cron)
	switch {
	case s.Interval != 0:
		a.Schedule = "@every " + s.Interval.String()
	case strings.HasPrefix(expr, "@"):
		a.Schedule = expr
	default:
		f := strings.Fields(expr)
		if f[0] != "0" {
			return ArgoCron{}, &Error{Field: "cron", Value: expr,
				Msg: "Argo schedules have minute resolution, so the seconds field must be 0",
				Fix: fmt.Sprintf("write %q", "0 "+strings.Join(f[1:], " "))}
		}
		a.Schedule = strings.Join(f[1:], " ")
		if _, err := cron.ParseStandard(a.Schedule); err != nil {
			return ArgoCron{}, &Error{Field: "cron", Value: expr, Msg: "Argo cannot parse " + strconv.Quote(a.Schedule) + ": " + err.Error()}
		}
	}
	if s.CatchUp {
		w := s.CatchUpWindow
		if w == 0 {
			var err error
			if w, err = s.period(); err != nil {
				return ArgoCron{}, err
			}
		}
		sec := int64(w / time.Second)
		if sec < 1 {
			sec = 1
		}
		a.StartingDeadlineSeconds = &sec
	}
	return a, nil
}

// period returns the time between the first two firings after a fixed
// reference time (Start, or 2000-01-01 UTC), used as the default catch-up window.
func (s Schedule) period() (time.Duration, error) {
	if s.Interval != 0 {
		return s.Interval, nil
	}
	sched, err := kfpParser.Parse(strings.TrimSpace(s.Cron))
	if err != nil {
		return 0, &Error{Field: "cron", Value: s.Cron, Msg: err.Error()}
	}
	ref := s.Start
	if ref.IsZero() {
		ref = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	a := sched.Next(ref)
	b := sched.Next(a)
	if a.IsZero() || b.IsZero() {
		return 0, &Error{Field: "cron", Value: s.Cron, Msg: "never fires", Fix: "check the day-of-month and month fields"}
	}
	return b.Sub(a), nil
}

// IsError reports whether err is or wraps a schedule *Error.
func IsError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// FromStandardCron converts a standard 5-field cron expression ("minute hour
// day-of-month month day-of-week", as crontab, Argo and GitHub Actions write
// it) or a descriptor to the 6-field form of Schedule.Cron, by adding second
// 0. Use it where the input is known to be in the standard form, e.g. an
// Argo-style --schedule flag. It returns an *Error for any other field count,
// a TZ=/CRON_TZ= prefix (use Schedule.Timezone) or an invalid expression.
func FromStandardCron(expr string) (string, error) {
	expr = strings.TrimSpace(expr)
	if strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ=") {
		return "", &Error{Field: "cron", Value: expr, Msg: "a time zone prefix is not part of the expression", Fix: "set the schedule's time zone instead"}
	}
	if strings.HasPrefix(expr, "@") {
		if _, err := cron.ParseStandard(expr); err != nil {
			return "", &Error{Field: "cron", Value: expr, Msg: err.Error(), Fix: "use @yearly, @monthly, @weekly, @daily, @hourly or \"@every <duration>\""}
		}
		return expr, nil
	}
	f := strings.Fields(expr)
	if len(f) != 5 {
		fix := "write 5 fields: minute hour day-of-month month day-of-week"
		if len(f) == 6 {
			fix = fmt.Sprintf("this looks like the 6-field seconds-first form; use it as Schedule.Cron directly, or write %q", strings.Join(f[1:], " "))
		}
		return "", &Error{Field: "cron", Value: expr, Msg: fmt.Sprintf("has %d fields, not the 5 of standard cron", len(f)), Fix: fix}
	}
	if _, err := cron.ParseStandard(expr); err != nil {
		return "", &Error{Field: "cron", Value: expr, Msg: err.Error()}
	}
	return "0 " + strings.Join(f, " "), nil
}
