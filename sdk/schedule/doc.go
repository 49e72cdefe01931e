// Package schedule is the one schedule type of kfpgo, shared by the KFP
// client (recurring runs) and the Argo compiler (CronWorkflow).
//
// A Schedule is either a cron expression or a fixed interval, with an
// optional start and end time, a time zone, a maximum number of concurrent
// runs and a catch-up policy. It renders to the two back ends:
//
//   - KFP renders to a recurring run trigger: trigger.cron_schedule.cron in
//     KFP's 6-field, seconds-first cron format ("sec min hour dom month dow",
//     the default format of github.com/robfig/cron that KFP's API server and
//     scheduledworkflow controller parse with cron.Parse), or
//     trigger.periodic_schedule.interval_second; plus max_concurrency (1–10,
//     the API server's bound) and no_catchup.
//   - Argo renders to the plain values of a CronWorkflowSpec: a 5-field
//     standard cron ("min hour dom month dow", Argo parses it with robfig/cron's
//     ParseStandard), timezone, concurrencyPolicy and startingDeadlineSeconds.
//
// Schedule.Cron is always written in the 6-field seconds-first form (or as a
// descriptor such as "@daily"). Expressions that would be read differently
// than intended are refused, with the corrected form in the error, and never
// passed through: a 5-field expression is refused because KFP's parser
// accepts it as "sec min hour dom month" (so "0 2 * * *" would run at minute 2
// of every hour, not at 02:00), a TZ=/CRON_TZ= prefix is refused because
// KFP's parser rejects it (use Schedule.Timezone), and a seconds field other
// than 0 is refused on the Argo side, whose schedules have minute resolution.
//
// Errors returned by Validate, KFP and Argo are *Error values; match them
// with errors.As.
package schedule
