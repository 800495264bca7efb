package dev.offload.worker.pipeline;

import java.util.UUID;

/**
 * The report this worker was building is no longer its own: it was cancelled, or another
 * worker took it over after this one's lease ran out. The work is dropped and nothing is
 * stored or published for it.
 */
class ClaimLostException extends RuntimeException {

	ClaimLostException(UUID reportId) {
		super("Report " + reportId + " is no longer claimed by this worker (cancelled or taken over)");
	}

}
