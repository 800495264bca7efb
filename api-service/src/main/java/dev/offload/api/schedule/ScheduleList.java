package dev.offload.api.schedule;

import java.util.List;

/**
 * The caller's schedules ({@code GET /api/schedules}); at most
 * {@code offload.api.schedules.max-per-user}, so one answer holds them all.
 *
 * @param items the schedules, oldest first, each with its next run and last few runs
 */
record ScheduleList(List<ScheduleView> items) {

}
