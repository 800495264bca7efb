package dev.offload.worker.email;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays TCP connections to the SMTP server, counting them; told a limit, it closes each
 * connection once the server has answered that many emails' data on it.
 */
final class CountingRelay implements AutoCloseable {

	private final ServerSocket listening;

	private final int target;

	private final AtomicInteger connections = new AtomicInteger();

	private final List<Socket> open = new CopyOnWriteArrayList<>();

	private volatile int emailsPerConnection;

	private volatile boolean refuseAfterLimit;

	private volatile boolean refusing;

	CountingRelay(int target) throws IOException {
		this.target = target;
		this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		daemon(this::accept);
	}

	int port() {
		return this.listening.getLocalPort();
	}

	int connections() {
		return this.connections.get();
	}

	/**
	 * From now on: each connection closed after so many emails (0: never), and, if told
	 * so, every connection after the first one closed that way refused at once, before
	 * the server's greeting, as by a server that went away. Refusing follows the closing,
	 * not a count of connections, so a connection that carried no email cannot use up the
	 * one allowed.
	 */
	void reset(int emailsPerConnection, boolean refuseAfterLimit) {
		this.emailsPerConnection = emailsPerConnection;
		this.refuseAfterLimit = refuseAfterLimit;
		this.refusing = false;
		this.connections.set(0);
	}

	private void accept() {
		while (!this.listening.isClosed()) {
			try {
				Socket client = this.listening.accept();
				this.connections.incrementAndGet();
				if (this.refusing) {
					client.close();
					continue;
				}
				Socket server = new Socket(InetAddress.getLoopbackAddress(), this.target);
				this.open.add(client);
				this.open.add(server);
				AtomicInteger ended = new AtomicInteger();
				int limit = this.emailsPerConnection;
				boolean refuseAfter = this.refuseAfterLimit;
				InputStream fromClient = client.getInputStream();
				InputStream fromServer = server.getInputStream();
				daemon(() -> pump(fromClient, server, ended, null));
				daemon(() -> pump(fromServer, client, ended, (endsBefore) -> {
					// The emails whose data had ended before this reply came: the
					// reply that answers the limit's last email closes, not one the
					// sender answered with more data before this thread got here.
					if (limit > 0 && endsBefore >= limit) {
						// Closed as a server closes it: the reply just passed on
						// is delivered, then the end of the stream. Refusing
						// begins first, so the sender's next connection meets it.
						if (refuseAfter) {
							this.refusing = true;
						}
						client.shutdownOutput();
					}
				}));
			}
			catch (IOException ex) {
				// Closed.
			}
		}
	}

	/**
	 * Copies one direction. From the client it counts the ends of the emails' data
	 * ({@code CRLF.CRLF}) before passing them on; from the server, once it has passed a
	 * reply on, it lets the caller close the connection, telling it how many ends had
	 * been counted when the reply came (read before passing it on: once the sender has
	 * it, it may send the next email's data at once).
	 */
	private static void pump(InputStream from, Socket to, AtomicInteger ended, Check afterReply) {
		byte[] buffer = new byte[8192];
		long last5 = 0;
		try (from) {
			OutputStream out = to.getOutputStream();
			int read;
			while ((read = from.read(buffer)) >= 0) {
				int endsBefore = ended.get();
				if (afterReply == null) {
					for (int i = 0; i < read; i++) {
						last5 = ((last5 << 8) | (buffer[i] & 0xff)) & 0xffffffffffL;
						if (last5 == 0x0d0a2e0d0aL) {
							ended.incrementAndGet();
						}
					}
				}
				out.write(buffer, 0, read);
				out.flush();
				if (afterReply != null) {
					afterReply.run(endsBefore);
				}
			}
		}
		catch (IOException ex) {
			// One side closed.
		}
		finally {
			try {
				to.close();
			}
			catch (IOException ex) {
				// Closed already.
			}
		}
	}

	private static void daemon(Runnable work) {
		Thread thread = new Thread(work, "smtp-relay");
		thread.setDaemon(true);
		thread.start();
	}

	private interface Check {

		void run(int endsBefore) throws IOException;

	}

	@Override
	public void close() throws IOException {
		this.listening.close();
		for (Socket socket : this.open) {
			socket.close();
		}
	}

}
