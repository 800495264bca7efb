package dev.offload.api.schedule;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Recurring report schedules ({@code offload.api.schedules.*}).
 *
 * @param enabled whether this replica sweeps for due schedules; every replica may, and
 * PostgreSQL makes sure each run creates its report once
 * @param interval how often this replica sweeps; a run starts at most this late
 * @param batchSize how many due schedules one sweep handles at most
 * @param maxPerUser how many schedules one user may have; another is refused with 409
 * @param catchUpLimit how many runs of one schedule missed while no replica swept are
 * caught up (its most recent ones; older ones are recorded as skipped)
 * @param misfireGrace a schedule whose missed runs are skipped still runs its latest one
 * if that is at most this late
 * @param minInterval the shortest time between two runs of a schedule (checked over its
 * next 100 runs)
 */
@ConfigurationProperties("offload.api.schedules")
@Validated
record ScheduleProperties(@DefaultValue("true") boolean enabled,
		@DefaultValue("5s") @NotNull @DurationMin(millis = 10) Duration interval,
		@DefaultValue("100") @Min(1) @Max(10_000) int batchSize, @DefaultValue("100") @Min(1) int maxPerUser,
		@DefaultValue("24") @Min(1) @Max(1000) int catchUpLimit, @DefaultValue("15m") @NotNull Duration misfireGrace,
		@DefaultValue("15m") @NotNull @DurationMin(minutes = 1) Duration minInterval) {

}
