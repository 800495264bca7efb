package dev.offload.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on the loopback interface that a test can cut and restore, to make a real
 * service (RabbitMQ, PostgreSQL, SMTP) unreachable for the process under test without
 * stopping it for everyone else on the machine.
 * <p>
 * {@link #cut()} closes every open connection and stops listening, so new connections are
 * refused, as they are when the service is down; {@link #restore()} listens again on the
 * same port.
 */
public final class TcpProxy implements AutoCloseable {

	private final String targetHost;

	private final int targetPort;

	private final int port;

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private volatile ServerSocket listener;

	private TcpProxy(String targetHost, int targetPort, int port) {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.port = port;
	}

	/**
	 * Starts a proxy to the target on a free local port.
	 * @param targetHost the host of the real service
	 * @param targetPort its port
	 * @return the running proxy
	 */
	public static TcpProxy start(String targetHost, int targetPort) {
		TcpProxy proxy = new TcpProxy(targetHost, targetPort, ServiceProcess.freePort());
		proxy.restore();
		return proxy;
	}

	/**
	 * The local port clients connect to.
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Closes every open connection and refuses new ones until {@link #restore()}.
	 */
	public synchronized void cut() {
		closeQuietly(this.listener);
		this.listener = null;
		this.sockets.forEach(TcpProxy::closeQuietly);
		this.sockets.clear();
	}

	/**
	 * Accepts connections again, on the same port.
	 */
	public synchronized void restore() {
		if (this.listener != null) {
			return;
		}
		try {
			ServerSocket server = new ServerSocket();
			server.setReuseAddress(true);
			server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port));
			this.listener = server;
			Thread acceptor = new Thread(() -> accept(server), "tcp-proxy-" + this.port);
			acceptor.setDaemon(true);
			acceptor.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not listen on " + this.port, ex);
		}
	}

	@Override
	public void close() {
		cut();
	}

	private void accept(ServerSocket server) {
		while (!server.isClosed()) {
			try {
				Socket client = server.accept();
				Socket upstream = new Socket(this.targetHost, this.targetPort);
				synchronized (this) {
					if (this.listener != server) {
						// Cut while this connection was being made: it must not outlive
						// the cut.
						closeQuietly(client);
						closeQuietly(upstream);
						continue;
					}
					this.sockets.add(client);
					this.sockets.add(upstream);
				}
				pump(client, upstream);
				pump(upstream, client);
			}
			catch (IOException ex) {
				// Listener closed by cut(), or the target refused: the client sees a
				// reset.
			}
		}
	}

	private void pump(Socket from, Socket to) {
		Thread thread = new Thread(() -> {
			byte[] buffer = new byte[16 * 1024];
			try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
				int read;
				while ((read = in.read(buffer)) != -1) {
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (IOException ex) {
				// One side closed: close both below.
			}
			finally {
				closeQuietly(from);
				closeQuietly(to);
				this.sockets.remove(from);
				this.sockets.remove(to);
			}
		}, "tcp-proxy-pump-" + this.port);
		thread.setDaemon(true);
		thread.start();
	}

	private static void closeQuietly(java.io.Closeable closeable) {
		if (closeable == null) {
			return;
		}
		try {
			closeable.close();
		}
		catch (IOException ex) {
			// Closing anyway.
		}
	}

}
