package dev.offload.benchmarks;

/**
 * Sleeping, for the suite's pacing and polling: a benchmark waits for wall-clock time to
 * pass, it does not wait for a result to appear.
 */
final class Pause {

	private Pause() {
	}

	static void millis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted", ex);
		}
	}

}
