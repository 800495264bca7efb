package dev.offload.api.schedule;

import java.net.URI;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.model.Owner;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's recurring reports: each run of a schedule creates an ordinary report,
 * owned by whoever created the schedule. Another user's schedule is 404.
 */
@RestController
@RequestMapping(ScheduleController.BASE_PATH)
@Tag(name = "Schedules", description = "The caller's recurring reports")
class ScheduleController {

	static final String BASE_PATH = "/api/schedules";

	private final ScheduleService service;

	ScheduleController(ScheduleService service) {
		this.service = service;
	}

	@Operation(summary = "Create a schedule (201)",
			description = "A report type, format and parameters, a period the dates of each run cover, and when: "
					+ "a cron expression or a rule, in an IANA time zone.")
	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<ScheduleView> create(@RequestBody ScheduleRequest request, Owner owner) {
		ScheduleView schedule = this.service.create(owner, request);
		return ResponseEntity.created(URI.create(BASE_PATH + "/" + schedule.id())).body(schedule);
	}

	@Operation(summary = "The caller's schedules, with their next runs and last few runs")
	@GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
	ScheduleList list(Owner owner) {
		return this.service.list(owner);
	}

	@Operation(summary = "A schedule with its recent runs and their reports")
	@GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
	ScheduleView get(@PathVariable UUID id, Owner owner) {
		return this.service.get(owner, id);
	}

	@Operation(summary = "Change a schedule: only the fields given",
			description = "New times (cron, rule or time zone) start from now; a cron replaces a rule and the other "
					+ "way round.")
	@PatchMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE,
			produces = MediaType.APPLICATION_JSON_VALUE)
	ScheduleView update(@PathVariable UUID id, @RequestBody ScheduleRequest request, Owner owner) {
		return this.service.update(owner, id, request);
	}

	@Operation(summary = "Delete a schedule (its reports stay)")
	@DeleteMapping("/{id}")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	void delete(@PathVariable UUID id, Owner owner) {
		this.service.delete(owner, id);
	}

	@Operation(summary = "Pause a schedule")
	@PostMapping(path = "/{id}/pause", produces = MediaType.APPLICATION_JSON_VALUE)
	ScheduleView pause(@PathVariable UUID id, Owner owner) {
		return this.service.pause(owner, id);
	}

	@Operation(summary = "Resume a paused schedule from now (runs missed while paused are not caught up)")
	@PostMapping(path = "/{id}/resume", produces = MediaType.APPLICATION_JSON_VALUE)
	ScheduleView resume(@PathVariable UUID id, Owner owner) {
		return this.service.resume(owner, id);
	}

}
