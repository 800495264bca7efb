package dev.offload.worker.render;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * A stream that deflates what is written to it on another thread, at the fastest level,
 * into a file of raw deflate data (no zip or gzip framing) that a zip entry can take as
 * it is: the bytes written so far are compressed while the writing thread makes the next
 * ones, and nothing is compressed twice. The data ends with a sync flush, not a final
 * block, so more deflate data (the rest of the entry) may follow it.
 * <p>
 * At most {@value #IN_FLIGHT} chunks wait for the deflating thread, so a writer faster
 * than it waits rather than filling the heap. A failure there (a full disk) is thrown by
 * the next write and by {@link #close()} (each time). The deflating thread is the
 * caller's, usually one per document, shared by its sheets: each stream's chunks are
 * deflated in order.
 */
final class BackgroundDeflater extends OutputStream {

	private static final int IN_FLIGHT = 4;

	private static final int OUTPUT_BYTES = 64 * 1024;

	private final OutputStream file;

	private final Executor thread;

	private final Semaphore inFlight = new Semaphore(IN_FLIGHT);

	// The deflating thread's alone; read by the writer after close() has waited for it.
	private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);

	private final CRC32 crc = new CRC32();

	// Never closed: that would end the data with a final block.
	private final DeflaterOutputStream deflating;

	private long size;

	private long deflatedSize;

	private volatile Throwable failure;

	private boolean closed;

	/**
	 * A stream deflating into the given file on the given thread.
	 * @param file where the raw deflate data goes; closed by {@link #close()}
	 * @param thread runs the deflating, one task at a time and in order
	 */
	BackgroundDeflater(OutputStream file, Executor thread) {
		this.file = file;
		this.thread = thread;
		this.deflating = new DeflaterOutputStream(file, this.deflater, OUTPUT_BYTES, true);
	}

	@Override
	public void write(int b) throws IOException {
		write(new byte[] { (byte) b }, 0, 1);
	}

	@Override
	public void write(byte[] bytes, int offset, int length) throws IOException {
		if (this.closed) {
			throw new IOException("Written after it was closed");
		}
		checkNotFailed();
		if (length == 0) {
			return;
		}
		byte[] chunk = Arrays.copyOfRange(bytes, offset, offset + length);
		submit(() -> deflate(chunk), false);
	}

	/** Nothing to do: the data is deflated as it comes, and finished by close(). */
	@Override
	public void flush() throws IOException {
		checkNotFailed();
	}

	/**
	 * Waits until everything written is deflated and in the file (ended with a sync
	 * flush) and closes it. Does nothing if already closed.
	 * @throws IOException if deflating or writing the file failed
	 */
	@Override
	public void close() throws IOException {
		if (this.closed) {
			checkNotFailed();
			return;
		}
		this.closed = true;
		try {
			submit(this::end, true);
		}
		catch (IOException | RuntimeException | Error stopped) {
			// The end was not handed over: it runs here, once the chunks that were have.
			awaitChunks();
			try {
				end();
			}
			catch (IOException | RuntimeException ex) {
				stopped.addSuppressed(ex);
			}
			throw stopped;
		}
		awaitChunks();
		checkNotFailed();
	}

	/**
	 * What the file holds, once closed.
	 * @return the written bytes' CRC-32 and count, and the deflated count
	 * @throws IllegalStateException if not closed yet
	 * @throws IOException if deflating or writing the file failed
	 */
	Deflated deflated() throws IOException {
		if (!this.closed) {
			throw new IllegalStateException("Not closed yet");
		}
		checkNotFailed();
		return new Deflated(this.crc.getValue(), this.size, this.deflatedSize);
	}

	/** Every chunk and the end have run once all the permits are back. */
	private void awaitChunks() {
		// At most IN_FLIGHT chunks of 64 KiB: a short wait, not cut by an interrupt.
		this.inFlight.acquireUninterruptibly(IN_FLIGHT);
		this.inFlight.release(IN_FLIGHT);
	}

	private void submit(Chunk task, boolean evenAfterFailure) throws IOException {
		this.inFlight.acquireUninterruptibly();
		try {
			this.thread.execute(() -> {
				try {
					if (evenAfterFailure || this.failure == null) {
						task.run();
					}
				}
				catch (IOException | RuntimeException | Error ex) {
					if (this.failure == null) {
						this.failure = ex;
					}
				}
				finally {
					this.inFlight.release();
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.inFlight.release();
			throw new IOException("The deflating thread has stopped", ex);
		}
		catch (RuntimeException | Error ex) {
			// Not handed over (no thread could be started, say): nothing will give the
			// permit back but this.
			this.inFlight.release();
			throw ex;
		}
	}

	private void deflate(byte[] chunk) throws IOException {
		this.crc.update(chunk);
		this.deflating.write(chunk);
	}

	private void end() throws IOException {
		try (OutputStream out = this.file) {
			// A sync flush (the stream was made with syncFlush), not the final block.
			this.deflating.flush();
			this.size = this.deflater.getBytesRead();
			this.deflatedSize = this.deflater.getBytesWritten();
		}
		finally {
			this.deflater.end();
		}
	}

	private void checkNotFailed() throws IOException {
		Throwable failed = this.failure;
		if (failed != null) {
			throw new IOException("Deflating failed: " + failed.getMessage(), failed);
		}
	}

	@FunctionalInterface
	private interface Chunk {

		void run() throws IOException;

	}

	/**
	 * What a closed stream wrote.
	 *
	 * @param crc the CRC-32 of the bytes written to the stream
	 * @param size how many bytes were written to the stream
	 * @param deflatedSize how many bytes of raw deflate data the file holds
	 */
	record Deflated(long crc, long size, long deflatedSize) {
	}

}
