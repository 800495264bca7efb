package dev.offload.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy carries bytes to its target, carries none while cut, and carries them again
 * once restored. "None while cut" is checked by a round trip rather than by a refused
 * connection: on a shared machine another process may bind the freed port, or Linux may
 * connect a socket to itself, and neither reaches the target.
 */
class TcpProxyTests {

	@Test
	void proxyCarriesBytesOnlyWhileNotCut() throws Exception {
		try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			Thread server = new Thread(() -> echoForever(echo));
			server.setDaemon(true);
			server.start();
			try (TcpProxy proxy = TcpProxy.start("127.0.0.1", echo.getLocalPort())) {
				assertThat(roundTrip(proxy.port(), "ping")).isEqualTo("ping");

				proxy.cut();
				assertThat(roundTrip(proxy.port(), "lost")).isNotEqualTo("lost");

				proxy.restore();
				assertThat(roundTrip(proxy.port(), "back")).isEqualTo("back");
			}
		}
	}

	/** Sends the text and reads as many bytes back; empty if the connection fails. */
	private static String roundTrip(int port, String text) {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(2000);
			OutputStream out = socket.getOutputStream();
			out.write(text.getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readNBytes(text.length()), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

	private static void echoForever(ServerSocket server) {
		while (!server.isClosed()) {
			try (Socket socket = server.accept()) {
				byte[] buffer = new byte[4];
				int read = socket.getInputStream().readNBytes(buffer, 0, 4);
				socket.getOutputStream().write(buffer, 0, read);
			}
			catch (IOException ex) {
				// Closed at the end of the test, or a client went away.
			}
		}
	}

}
