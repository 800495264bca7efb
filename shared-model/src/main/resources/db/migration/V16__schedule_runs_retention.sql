-- Record retention deletes the run history of schedules by age, oldest first.
CREATE INDEX schedule_runs_scheduled_for ON schedule_runs (scheduled_for);
